import Foundation

/// Rows handed to a statement as one `jsonb` value, read back with `jsonb_to_recordset`, for
/// lookups that PostgreSQL should plan once per connection.
///
/// A statement that reads its input with `unnest($1::…[])` is planned afresh on every call when
/// the calls carry a few rows: for a plan made for the values given, PostgreSQL counts the
/// elements of the bound array, so that plan always looks cheaper than the generic one (costed
/// for ten rows), and the generic plan is never chosen. `jsonb_to_recordset` gives no such count:
/// both plans are costed for the same rows, and after five calls PostgreSQL keeps the generic one.
/// Measured on the HTTP pipeline: the API's request checks spent 1.6 s planning and 0.7 s running
/// per 20,000 notifications as `unnest`, about 0.6 s in all as a recordset.
///
/// The generic plan assumes a hundred input rows, which can make a hash join over a whole table
/// look cheaper than index lookups; so look each row up by key, with
/// `CROSS JOIN LATERAL (SELECT … WHERE key = r.key OFFSET 0)`.
///
/// Parsing JSON costs PostgreSQL more per row than binary arrays (a 250-row read took 3.3 ms
/// instead of 2.7 ms), so statements that also carry large batches keep their arrays and hide
/// the count behind sub-selects instead (see `DeliveryKeys` in the model).
public enum RecordSetJSON {
    /// `rows` as a JSON array of objects, one per row, keyed as the rows' `CodingKeys` say.
    ///
    /// - Throws: `EncodingError` when a row has a value JSON has no form for (a non-finite number).
    public static func encode<Row: Encodable>(_ rows: [Row]) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }
}

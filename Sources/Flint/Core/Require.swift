/// Stops the program with `message` when `condition` is false — in every build configuration.
///
/// Swift's `precondition` prints its message only in unoptimised builds; an optimised build traps
/// silently. Flint's shape and argument errors must name the op and the shapes involved in release
/// builds too, so library code uses `require` instead.
@inlinable
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) {
        fatalError(message(), file: file, line: line)
    }
}

/// `require` without a message, for internal invariants.
@inlinable
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) {
        fatalError("internal invariant violated", file: file, line: line)
    }
}

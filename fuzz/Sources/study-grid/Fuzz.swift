import Causeway
import Foundation

/// libFuzzer's entry point: one input for `ReaderEntryPoints.studyGrid`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    ReaderEntryPoints.studyGrid(data)
    return 0
}

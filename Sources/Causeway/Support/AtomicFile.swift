import Foundation

/// Writes files so that readers never see a partial result: the bytes go to a temporary
/// file in the destination folder, which is then renamed over the destination.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                throw CausewayError("cannot rename \(tmp.path) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as CausewayError {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw CausewayError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Creates `path` (and parents) if missing; errors name the folder.
    public static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            // name the usual cause (a file where a folder of the path should be) instead of
            // Foundation's generic "the operation could not be completed"
            if let file = fileInPath(path) { throw CausewayError("cannot create output folder \(path): \(file) is a file") }
            throw CausewayError("cannot create output folder \(path): \(error.localizedDescription)")
        }
    }

    /// The nearest existing one of `path` and its parent folders, when it is a file (so no
    /// folder can be made at `path`); nil when it is a folder.
    public static func fileInPath(_ path: String) -> String? {
        var prefix = URL(fileURLWithPath: path).standardizedFileURL
        while prefix.path != "/" {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix.path, isDirectory: &isFolder) {
                return isFolder.boolValue ? nil : prefix.path
            }
            prefix.deleteLastPathComponent()
        }
        return nil
    }
}

import Testing
@testable import Causeway

@Suite struct TrainingLogReaderTests {
    @Test func readsStepsLossesAndNullValidation() throws {
        let dir = TempFolder()
        let path = dir.file("train_log.jsonl", """
            {"elapsed_s":1.5,"epoch":0,"lr":0.003,"step":50,"train_loss":1.25,"val_loss":1.5,"windows_per_s":900}

            {"step":100,"train_loss":0.75,"val_loss":null}\r
            {"step":150,"train_loss":0.5}

            """)
        let log = try TrainingLogReader.read(path: path)
        #expect(log.count == 3)
        #expect(log.map(\.step) == [50, 100, 150])
        #expect(log.map(\.trainLoss) == [1.25, 0.75, 0.5])
        #expect(log.map(\.valLoss) == [1.5, nil, nil])
    }

    @Test func errorsNameFileAndLine() {
        let dir = TempFolder()
        let noStep = dir.file("a.jsonl", "{\"step\":1,\"train_loss\":1}\n{\"train_loss\":1}\n")
        expectError(noStep, "line 2", "step") { _ = try TrainingLogReader.read(path: noStep) }
        let notJSON = dir.file("b.jsonl", "step 1\n")
        expectError(notJSON, "line 1", "JSON") { _ = try TrainingLogReader.read(path: notJSON) }
        let badVal = dir.file("c.jsonl", "{\"step\":1,\"train_loss\":1,\"val_loss\":\"x\"}\n")
        expectError(badVal, "line 1", "val_loss") { _ = try TrainingLogReader.read(path: badVal) }
        let badTrain = dir.file("d.jsonl", "{\"step\":1.5,\"train_loss\":1}\n")
        expectError(badTrain, "line 1", "step") { _ = try TrainingLogReader.read(path: badTrain) }
        expectError(dir.path + "/none.jsonl", "does not exist") { _ = try TrainingLogReader.read(path: dir.path + "/none.jsonl") }
    }
}

import ArgumentParser
import Causeway
import Foundation

struct Discover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the lagged graph out of a trained model (a checkpoint written by `run`).")

    @Option(help: "Checkpoint file (checkpoint.cwck in a run's output folder).")
    var checkpoint: String
    @OptionGroup var input: InputOptions
    @OptionGroup var readout: ReadoutOptions
    @Flag(help: "No progress and no notes on stderr (warnings are still printed).")
    var quiet = false

    func run() throws {
        try coordinated { world, agreement in
            let started = Date()
            let ck = try Checkpoint.read(path: checkpoint)
            let dataset = try input.loadDataset()
            let out = input.out
            let job = try DiscoveryJob.resuming(ck, path: checkpoint, dataset: dataset)
            let diagnostics = try input.check(dataset, maxLag: job.model.maxLag, validationFraction: job.training.validationFraction)
            do { try readout.validate(tokens: job.model.tokens, checkpoint: checkpoint) } catch let e as ValidationError { throw CausewayError(e.message) }
            let truth = try readout.checkInputs(dataset: dataset, maxLag: job.model.maxLag,
                                                  validationFraction: job.training.validationFraction)
            if world.isCoordinator {
                input.print(diagnostics, quiet: quiet)
                if !quiet, let note = ReadoutOptions.truthBeyondMaxLagNote(truth, maxLag: job.model.maxLag) { fputs(note + "\n", stderr) }
                try input.checkOut(inputs: ["checkpoint.cwck", "train_log.jsonl"])
            }
            let windows = try job.makeWindows()
            try agreement.passed()
            if world.isCoordinator { try input.prepareOut(inputs: ["checkpoint.cwck", "train_log.jsonl"]) }
            let replicas = job.replicas(loading: ck, batch: min(job.training.batch, max(1, windows.train.count)))
            let log = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().appendingPathComponent("train_log.jsonl").path
            try readout.perform(replicas: replicas, windows: windows, dataset: dataset, truth: truth, out: out,
                                trainingLog: log, seed: job.training.seed, diagnostics: diagnostics, quiet: quiet, started: started, provenance: [
                "checkpoint": .text(checkpoint),
                "seed": .count(job.training.seed),
                "steps": .count(ck.header.state.step),
                "best_step": .count(ck.header.state.bestStep),
            ])
        }
    }
}

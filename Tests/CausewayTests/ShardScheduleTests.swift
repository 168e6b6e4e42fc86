import Testing
@testable import Causeway

/// Fixed data shards: a partition of the training windows, batches drawn shard by shard,
/// every window at most once per epoch, and each rank's part of a batch from its own shard.
struct ShardScheduleTests {
    /// Windows of domains with these window counts, domain by domain in time order.
    func windows(_ counts: [Int]) -> [WindowRef] {
        counts.enumerated().flatMap { d, n in (0..<n).map { WindowRef(domain: Int32(d), start: Int32($0)) } }
    }

    func key(_ w: WindowRef) -> Int { Int(w.domain) * 1_000_000 + Int(w.start) }

    func everyWindow(_ s: ShardSchedule, step: Int) -> [WindowRef] {
        s.prepare(step: step, positions: 0..<s.batch)
        return (0..<s.batch).map { s.window(step: step, position: $0) }
    }

    @Test(arguments: [ShardMode.stratified, .domain])
    func shardsPartitionTheWindows(mode: ShardMode) throws {
        let train = windows([120, 50, 300, 80])
        let s = try ShardSchedule(train: train, domains: 4, mode: mode, shardCount: 3, batch: 10, seed: 1)
        let all = s.shards.flatMap { $0 }.map(key)
        #expect(all.count == train.count)
        #expect(Set(all) == Set(train.map(key)))
        let sizes = s.shards.map(\.count)
        switch mode {
        case .stratified:
            // every shard a proportional slice of every domain, contiguous in time
            for shard in s.shards {
                for (d, n) in [120, 50, 300, 80].enumerated() {
                    let mine = shard.filter { $0.domain == d }.map { Int($0.start) }
                    #expect(abs(mine.count - n / 3) <= 1)
                    #expect(mine == Array((mine.first ?? 0)..<((mine.first ?? 0) + mine.count)))
                }
            }
        case .domain:
            // whole domains, balanced greedily: {300}, {120}, {80, 50}
            #expect(sizes.sorted() == [120, 130, 300])
            for d in 0..<4 { #expect(s.shards.filter { $0.contains { $0.domain == d } }.count == 1) }
        }
    }

    @Test func batchesComeFromTheirShardsAndNeverRepeatWithinAnEpoch() throws {
        let train = windows([97, 203])
        let s = try ShardSchedule(train: train, domains: 2, mode: .stratified, shardCount: 2, batch: 9, seed: 7)
        // shard 0 gives 5 windows per batch, shard 1 gives 4; epoch = min(150/5, 150/4) = 30 steps
        #expect(s.contributions == [5, 4])
        #expect(s.stepsPerEpoch == min(s.shards[0].count / 5, s.shards[1].count / 4))
        let shardOf = Dictionary(uniqueKeysWithValues: s.shards.enumerated().flatMap { k, ws in ws.map { (key($0), k) } })
        var seen = Set<Int>()
        for step in 0..<s.stepsPerEpoch {
            let batch = everyWindow(s, step: step)
            for (i, w) in batch.enumerated() { #expect(shardOf[key(w)] == (i < 5 ? 0 : 1)) }
            for w in batch { #expect(seen.insert(key(w)).inserted, "window repeated within an epoch") }
        }
        // the next epoch reshuffles: a different first batch, same seed gives the same one
        let next = everyWindow(s, step: s.stepsPerEpoch)
        #expect(next.map(key) != everyWindow(s, step: 0).map(key))
        let again = try ShardSchedule(train: train, domains: 2, mode: .stratified, shardCount: 2, batch: 9, seed: 7)
        #expect(everyWindow(again, step: s.stepsPerEpoch + 3).map(key) == everyWindow(s, step: s.stepsPerEpoch + 3).map(key))
    }

    @Test func withAsManyShardsAsRanksEachRankReadsOnlyItsShard() throws {
        let train = windows([400, 100, 250])
        for ranks in [2, 3] {
            let s = try ShardSchedule(train: train, domains: 3, mode: .domain, shardCount: ranks, batch: 32, seed: 0)
            for rank in 0..<ranks {
                let mine = ShareOf(rank: rank, size: ranks).share(of: 32)
                let own = Set(s.shards[rank].map(key))
                for step in [0, 5, s.stepsPerEpoch + 1] {
                    s.prepare(step: step, positions: mine.start..<(mine.start + mine.count))
                    for i in mine.start..<(mine.start + mine.count) { #expect(own.contains(key(s.window(step: step, position: i)))) }
                }
            }
        }
    }

    @Test func oneShardIsOneSharedShuffleOfAllWindows() throws {
        let train = windows([60, 45])
        let s = try ShardSchedule(train: train, domains: 2, mode: .stratified, shardCount: 1, batch: 8, seed: 3)
        #expect(s.stepsPerEpoch == 105 / 8)
        let epoch = (0..<s.stepsPerEpoch).flatMap { everyWindow(s, step: $0) }.map(key)
        #expect(Set(epoch).count == epoch.count)
        #expect(epoch != train.prefix(epoch.count).map(key))   // shuffled
    }

    @Test func impossibleLayoutsNameTheFlag() {
        #expect(throws: CausewayError.self) {
            try ShardSchedule(train: windows([50]), domains: 1, mode: .domain, shardCount: 2, batch: 8, seed: 0)
        }
        do {
            _ = try ShardSchedule(train: windows([50, 40]), domains: 2, mode: .domain, shardCount: 3, batch: 8, seed: 0)
            Issue.record("expected an error")
        } catch let e as CausewayError {
            #expect(e.message.contains("--shard domain"))
        } catch { Issue.record("\(error)") }
        do {
            _ = try ShardSchedule(train: windows([50]), domains: 1, mode: .stratified, shardCount: 4, batch: 2, seed: 0)
            Issue.record("expected an error")
        } catch let e as CausewayError {
            #expect(e.message.contains("--batch"))
        } catch { Issue.record("\(error)") }
        // a shard smaller than its share of a batch
        #expect(throws: CausewayError.self) {
            try ShardSchedule(train: windows([6, 6]), domains: 2, mode: .stratified, shardCount: 2, batch: 16, seed: 0)
        }
    }
}

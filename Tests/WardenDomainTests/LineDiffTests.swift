import Testing
import WardenDomain

@Suite("Line diff")
struct LineDiffTests {
    private func diff(_ old: String, _ new: String, context: Int = 3) -> String {
        LineDiff.unified(old: old, new: new, oldLabel: "v1", newLabel: "v2", context: context)
    }

    private func numbered(_ range: ClosedRange<Int>) -> String {
        range.map { "line \($0)\n" }.joined()
    }

    @Test func identicalTextsGiveNothing() {
        #expect(diff("", "") == "")
        #expect(diff("a\nb\n", "a\nb\n") == "")
        #expect(diff("no newline", "no newline") == "")
        #expect(
            LineDiff.lines(old: "a\nb", new: "a\nb") == [
                .same(old: 1, new: 1, text: "a"), .same(old: 2, new: 2, text: "b"),
            ])
    }

    @Test func pureInsert() {
        let old = numbered(1...6)
        let new = numbered(1...3) + "inserted\n" + numbered(4...6)
        #expect(
            diff(old, new) == """
                --- v1
                +++ v2
                @@ -1,6 +1,7 @@
                 line 1
                 line 2
                 line 3
                +inserted
                 line 4
                 line 5
                 line 6

                """)
        #expect(diff(old, new, context: 0) == "--- v1\n+++ v2\n@@ -3,0 +4 @@\n+inserted\n")
    }

    @Test func pureDelete() {
        let old = numbered(1...10)
        let new = numbered(1...4) + numbered(7...10)
        #expect(
            diff(old, new, context: 1) == """
                --- v1
                +++ v2
                @@ -4,4 +4,2 @@
                 line 4
                -line 5
                -line 6
                 line 7

                """)
        #expect(diff(old, new, context: 0) == "--- v1\n+++ v2\n@@ -5,2 +4,0 @@\n-line 5\n-line 6\n")
    }

    @Test func changesCloseTogetherShareAHunk() {
        let old = numbered(1...30)
        // Lines 10 and 15 change: 4 unchanged lines between them, within 2 × 3 of context.
        // Line 28 changes too: 12 unchanged lines after line 15, so it gets its own hunk.
        var newLines = (1...30).map { "line \($0)" }
        newLines[9] = "line ten"
        newLines[14] = "line fifteen"
        newLines[27] = "line twenty-eight"
        let new = newLines.map { $0 + "\n" }.joined()
        #expect(
            diff(old, new) == """
                --- v1
                +++ v2
                @@ -7,12 +7,12 @@
                 line 7
                 line 8
                 line 9
                -line 10
                +line ten
                 line 11
                 line 12
                 line 13
                 line 14
                -line 15
                +line fifteen
                 line 16
                 line 17
                 line 18
                @@ -25,6 +25,6 @@
                 line 25
                 line 26
                 line 27
                -line 28
                +line twenty-eight
                 line 29
                 line 30

                """)
    }

    @Test func changesExactlyTwiceTheContextApartMergeAndOneMoreSplits() {
        let old = numbered(1...20)
        func changing(_ lines: [Int]) -> String {
            (1...20).map { lines.contains($0) ? "changed \($0)\n" : "line \($0)\n" }.joined()
        }
        let merged = diff(old, changing([5, 12]), context: 3)  // 6 unchanged lines between
        #expect(merged.components(separatedBy: "@@ -").count - 1 == 1)
        #expect(merged.contains("@@ -2,14 +2,14 @@\n"))
        let split = diff(old, changing([5, 13]), context: 3)  // 7 unchanged lines between
        #expect(split.contains("@@ -2,7 +2,7 @@\n"))
        #expect(split.contains("@@ -10,7 +10,7 @@\n"))
    }

    @Test func newFile() {
        #expect(diff("", "a\nb\n") == "--- v1\n+++ v2\n@@ -0,0 +1,2 @@\n+a\n+b\n")
        #expect(diff("a\nb\n", "") == "--- v1\n+++ v2\n@@ -1,2 +0,0 @@\n-a\n-b\n")
        #expect(LineDiff.lines(old: "", new: "x") == [.added(new: 1, text: "x")])
    }

    @Test func trailingNewlineDifferences() {
        #expect(
            diff("a\nb", "a\nb\n") == """
                --- v1
                +++ v2
                @@ -1,2 +1,2 @@
                 a
                -b
                \\ No newline at end of file
                +b

                """)
        #expect(diff("a\n", "a") == "--- v1\n+++ v2\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n")
        // Both sides lack the final newline: the marker follows the shared context line once.
        #expect(
            diff("x\nlast", "y\nlast") == """
                --- v1
                +++ v2
                @@ -1,2 +1,2 @@
                -x
                +y
                 last
                \\ No newline at end of file

                """)
        #expect(diff("", "z") == "--- v1\n+++ v2\n@@ -0,0 +1 @@\n+z\n\\ No newline at end of file\n")
    }

    @Test func hunkHeadersNearTheEnds() {
        let old = numbered(1...8)
        #expect(diff(old, "first\n" + old, context: 2) == "--- v1\n+++ v2\n@@ -1,2 +1,3 @@\n+first\n line 1\n line 2\n")
        #expect(diff(old, old + "last\n", context: 2) == "--- v1\n+++ v2\n@@ -7,2 +7,3 @@\n line 7\n line 8\n+last\n")
        #expect(diff("a\r\nb\r\n", "a\r\nc\r\n", context: 0) == "--- v1\n+++ v2\n@@ -2 +2 @@\n-b\r\n+c\r\n")
    }

    @Test func labelsCannotAddHeaderLines() {
        #expect(diff("a", "b").hasPrefix("--- v1\n+++ v2\n"))
        let text = LineDiff.unified(old: "a", new: "b", oldLabel: "x\n+++ forged", newLabel: "y")
        #expect(text.hasPrefix("--- x +++ forged\n+++ y\n"))
    }

    @Test func linesNumberBothSides() {
        #expect(
            LineDiff.lines(old: "a\nb\nc\n", new: "a\nB\nc\nd\n") == [
                .same(old: 1, new: 1, text: "a"),
                .removed(old: 2, text: "b"),
                .added(new: 2, text: "B"),
                .same(old: 3, new: 3, text: "c"),
                .added(new: 4, text: "d"),
            ])
    }

    @Test func linesCompareByBytesNotCanonicalEquivalence() {
        let precomposed = "caf\u{E9}\n"
        let decomposed = "cafe\u{301}\n"
        #expect(LineDiff.lines(old: precomposed, new: decomposed).count == 2)
    }

    @Test func sidesReconstructBothTextsAndTheDiffIsShortest() {
        var random = SeededRandom(seed: 0x5EED)
        for _ in 0..<300 {
            let old = randomText(&random)
            let new = mutated(old, &random)
            let lines = LineDiff.lines(old: old, new: new)
            #expect(rebuild(lines, keepingRemoved: true, like: old) == old)
            #expect(rebuild(lines, keepingRemoved: false, like: new) == new)
            let kept = lines.filter { if case .same = $0 { true } else { false } }.count
            #expect(kept == longestCommonSubsequence(splitLines(old), splitLines(new)))
        }
    }

    @Test func effortLimitFallsBackToReplacingTheMiddle() {
        // The middle lines are shared but in reverse order: a search finds one to keep.
        let old = "head\n" + (1...50).map { "line \($0)\n" }.joined() + "tail\n"
        let new = "head\n" + (1...50).reversed().map { "line \($0)\n" }.joined() + "tail\n"
        #expect(LineDiff.lines(old: old, new: new).count == 101)
        let lines = LineDiff.lines(old: old, new: new, effortLimit: 10)
        #expect(lines.count == 102)
        #expect(lines.first == .same(old: 1, new: 1, text: "head"))
        #expect(lines.last == .same(old: 52, new: 52, text: "tail"))
        #expect(Array(lines[1...50]) == (1...50).map { .removed(old: $0 + 1, text: "line \($0)") })
        #expect(Array(lines[51...100]) == (1...50).map { .added(new: $0 + 1, text: "line \(51 - $0)") })

        // A limit hit part-way still gives a correct, if longer, diff.
        var random = SeededRandom(seed: 7)
        for _ in 0..<50 {
            let old = randomText(&random)
            let new = mutated(old, &random)
            let lines = LineDiff.lines(old: old, new: new, effortLimit: 5)
            #expect(rebuild(lines, keepingRemoved: true, like: old) == old)
            #expect(rebuild(lines, keepingRemoved: false, like: new) == new)
        }
    }

    @Test func largeInputsWithFewChangesAndUnrelatedInputsFinish() {
        let old = (1...8_000).map { "let value\($0) = compute(\($0)) // padding padding\n" }.joined()
        var newLines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        newLines[100] = "changed"
        newLines.insert("inserted", at: 4_000)
        newLines.remove(at: 7_000)
        let new = newLines.joined(separator: "\n")
        let lines = LineDiff.lines(old: old, new: new)
        #expect(lines.filter { if case .same = $0 { false } else { true } }.count == 4)

        let unrelated = (1...8_000).map { "other \($0)\n" }.joined()
        let replaced = LineDiff.lines(old: old, new: unrelated)
        #expect(replaced.count == 16_000)
    }

    // MARK: Helpers

    private func splitLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() } else if !lines.isEmpty { lines[lines.count - 1] += "<eof>" }
        return lines
    }

    private func rebuild(_ lines: [LineDiff.Line], keepingRemoved: Bool, like original: String) -> String {
        let texts = lines.compactMap { line -> String? in
            switch line {
            case .same(_, _, let text): text
            case .removed(_, let text): keepingRemoved ? text : nil
            case .added(_, let text): keepingRemoved ? nil : text
            }
        }
        if texts.isEmpty { return "" }
        return texts.joined(separator: "\n") + (original.hasSuffix("\n") ? "\n" : "")
    }

    private func longestCommonSubsequence(_ a: [String], _ b: [String]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        for x in a {
            var current = [Int](repeating: 0, count: b.count + 1)
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            previous = current
        }
        return previous[b.count]
    }

    private func randomText(_ random: inout SeededRandom) -> String {
        // Few distinct lines, so matches are plentiful and ambiguous.
        let count = Int(random.next() % 25)
        let lines = (0..<count).map { _ in ["a", "b", "c", "", "d e"][Int(random.next() % 5)] }
        return lines.joined(separator: "\n") + (random.next() % 4 == 0 ? "" : "\n")
    }

    private func mutated(_ text: String, _ random: inout SeededRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int(random.next() % 6) {
            let position = Int(random.next() % UInt64(lines.count + 1))
            switch random.next() % 3 {
            case 0: lines.insert(["a", "b", "x", ""][Int(random.next() % 4)], at: position)
            case 1: if position < lines.count { lines.remove(at: position) }
            default: if position < lines.count { lines[position] = "y" }
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// SplitMix64: the same sequence on every run, so failures reproduce.
private struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Line-by-line differences between two texts, for reviewers comparing two versions of a tool's
/// code. Myers' O(ND) algorithm in linear space, with an effort limit: past it, what is still
/// unmatched is reported as removed then added, so hostile or unrelated inputs cost bounded time.
public struct LineDiff: Sendable {
    /// One line of the comparison. Line numbers start at 1; text has no line terminator.
    public enum Line: Hashable, Sendable {
        case same(old: Int, new: Int, text: String)
        case removed(old: Int, text: String)
        case added(new: Int, text: String)

        public var text: String {
            switch self {
            case .same(_, _, let text), .removed(_, let text), .added(_, let text): text
            }
        }
    }

    /// Roughly the number of line comparisons allowed: at worst about a tenth of a second, while
    /// real edits of 8,000-line files (moved blocks included) need well under half of it.
    public static let defaultEffortLimit = 10_000_000

    /// Every line of both texts in order: unchanged lines, and for each change the removed old
    /// lines before the added new ones. Lines compare by their bytes (no Unicode normalization),
    /// and a last line without a newline differs from the same line with one.
    public static func lines(old: String, new: String, effortLimit: Int = defaultEffortLimit) -> [Line] {
        let oldText = TextLines(old)
        let newText = TextLines(new)
        var interner = LineInterner()
        let oldIDs = oldText.lines.indices.map { interner.id(of: oldText, line: $0) }
        let newIDs = newText.lines.indices.map { interner.id(of: newText, line: $0) }

        let (removed, added) = changes(old: oldIDs, new: newIDs, distinctLines: interner.count, effort: effortLimit)

        var result: [Line] = []
        result.reserveCapacity(max(oldIDs.count, newIDs.count))
        var i = 0
        var j = 0
        while i < oldIDs.count || j < newIDs.count {
            if i < oldIDs.count && removed[i] {
                result.append(.removed(old: i + 1, text: oldText.text(of: i)))
                i += 1
            } else if j < newIDs.count && added[j] {
                result.append(.added(new: j + 1, text: newText.text(of: j)))
                j += 1
            } else {
                result.append(.same(old: i + 1, new: j + 1, text: oldText.text(of: i)))
                i += 1
                j += 1
            }
        }
        return result
    }

    /// Which lines of each side are not part of a longest common subsequence.
    private static func changes(
        old: [Int], new: [Int], distinctLines: Int, effort: Int
    ) -> (removed: [Bool], added: [Bool]) {
        // A line found on one side only can never match. Leaving such lines out of the search
        // (as GNU diff does) keeps the result and makes rewrites cheap.
        var inOld = [Bool](repeating: false, count: distinctLines)
        var inNew = [Bool](repeating: false, count: distinctLines)
        for id in old { inOld[id] = true }
        for id in new { inNew[id] = true }
        let oldCandidates = old.indices.filter { inNew[old[$0]] }
        let newCandidates = new.indices.filter { inOld[new[$0]] }

        var search = MyersSearch(old: oldCandidates.map { old[$0] }, new: newCandidates.map { new[$0] }, effort: effort)
        search.compare(oldRange: 0..<oldCandidates.count, newRange: 0..<newCandidates.count)

        var removed = old.map { !inNew[$0] }
        var added = new.map { !inOld[$0] }
        for (position, index) in oldCandidates.enumerated() where search.removed[position] { removed[index] = true }
        for (position, index) in newCandidates.enumerated() where search.added[position] { added[index] = true }
        return (removed, added)
    }

    /// The differences in unified format (`---`/`+++` labels, `@@ -l,s +l,s @@` hunks as GNU diff
    /// and git write them, a count of 1 left out). Identical texts give an empty string.
    public static func unified(
        old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3,
        effortLimit: Int = defaultEffortLimit
    ) -> String {
        if old.utf8.elementsEqual(new.utf8) { return "" }
        let lines = lines(old: old, new: new, effortLimit: effortLimit)
        let hunks = hunkRanges(of: lines, context: max(0, context))
        if hunks.isEmpty { return "" }

        let oldLineCount = TextLines.count(old)
        let newLineCount = TextLines.count(new)
        let oldLacksNewline = !old.isEmpty && old.utf8.last != newline
        let newLacksNewline = !new.isEmpty && new.utf8.last != newline
        let noNewlineMarker = "\\ No newline at end of file\n"

        var output = "--- \(singleLine(oldLabel))\n+++ \(singleLine(newLabel))\n"
        // Lines of each side before the current hunk, for the header's start numbers.
        var oldBefore = 0
        var newBefore = 0
        var consumed = 0
        for hunk in hunks {
            for line in lines[consumed..<hunk.lowerBound] {
                if case .added = line {} else { oldBefore += 1 }
                if case .removed = line {} else { newBefore += 1 }
            }
            var oldCount = 0
            var newCount = 0
            var body = ""
            for line in lines[hunk] {
                switch line {
                case .same(let o, let n, let text):
                    oldCount += 1
                    newCount += 1
                    body += " \(text)\n"
                    // Equal lines agree on their terminator, so both sides lack it or neither.
                    if o == oldLineCount && n == newLineCount && oldLacksNewline { body += noNewlineMarker }
                case .removed(let o, let text):
                    oldCount += 1
                    body += "-\(text)\n"
                    if o == oldLineCount && oldLacksNewline { body += noNewlineMarker }
                case .added(let n, let text):
                    newCount += 1
                    body += "+\(text)\n"
                    if n == newLineCount && newLacksNewline { body += noNewlineMarker }
                }
            }
            let oldRange = headerRange(start: oldBefore + (oldCount > 0 ? 1 : 0), count: oldCount)
            let newRange = headerRange(start: newBefore + (newCount > 0 ? 1 : 0), count: newCount)
            output += "@@ -\(oldRange) +\(newRange) @@\n" + body
            oldBefore += oldCount
            newBefore += newCount
            consumed = hunk.upperBound
        }
        return output
    }

    /// Index ranges of `lines` to print: each run of changes with `context` lines around it,
    /// runs closer than twice the context joined into one hunk.
    private static func hunkRanges(of lines: [Line], context: Int) -> [Range<Int>] {
        var hunks: [Range<Int>] = []
        var index = 0
        while index < lines.count {
            if lines[index].isSame {
                index += 1
                continue
            }
            var changeEnd = index
            while changeEnd < lines.count, !lines[changeEnd].isSame { changeEnd += 1 }
            let start = max(0, index - context)
            let end = min(lines.count, changeEnd + context)
            if let last = hunks.last, start <= last.upperBound {
                hunks[hunks.count - 1] = last.lowerBound..<end
            } else {
                hunks.append(start..<end)
            }
            index = changeEnd
        }
        return hunks
    }

    private static func headerRange(start: Int, count: Int) -> String {
        count == 1 ? "\(start)" : "\(start),\(count)"
    }

    /// A label must not start extra header lines of its own.
    private static func singleLine(_ label: String) -> String {
        String(label.unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : Character($0) })
    }
}

private let newline = UInt8(ascii: "\n")

extension LineDiff.Line {
    fileprivate var isSame: Bool {
        if case .same = self { return true }
        return false
    }
}

/// A text split at "\n" bytes (so "\r\n" keeps its "\r"), without copying it.
private struct TextLines {
    let bytes: [UInt8]
    /// Each line's byte range, terminator excluded.
    let lines: [Range<Int>]
    let lastLineTerminated: Bool

    init(_ text: String) {
        bytes = Array(text.utf8)
        var lines: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == newline {
            lines.append(start..<index)
            start = index + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        self.lines = lines
        lastLineTerminated = bytes.last == newline
    }

    static func count(_ text: String) -> Int {
        var count = 0
        for byte in text.utf8 where byte == newline { count += 1 }
        return count + (text.utf8.last.map { $0 == newline ? 0 : 1 } ?? 0)
    }

    func text(of line: Int) -> String {
        String(decoding: bytes[lines[line]], as: UTF8.self)
    }

    func isTerminated(_ line: Int) -> Bool {
        line < lines.count - 1 || lastLineTerminated
    }
}

/// Gives equal lines equal small numbers, so the search compares integers.
private struct LineInterner {
    private struct Key: Hashable {
        let bytes: ArraySlice<UInt8>
        let terminated: Bool
    }

    private var ids: [Key: Int] = [:]

    var count: Int { ids.count }

    mutating func id(of text: TextLines, line: Int) -> Int {
        let key = Key(bytes: text.bytes[text.lines[line]], terminated: text.isTerminated(line))
        if let id = ids[key] { return id }
        let id = ids.count
        ids[key] = id
        return id
    }
}

/// Myers' divide and conquer: find the middle of a shortest edit path by searching from both
/// ends at once, then solve the two halves. Marks the lines that are not part of the common
/// subsequence.
private struct MyersSearch {
    let old: [Int]
    let new: [Int]
    private(set) var removed: [Bool]
    private(set) var added: [Bool]
    /// Work left; once spent, each remaining region is reported as wholly replaced.
    private var effort: Int

    init(old: [Int], new: [Int], effort: Int) {
        self.old = old
        self.new = new
        self.removed = Array(repeating: false, count: old.count)
        self.added = Array(repeating: false, count: new.count)
        self.effort = effort
    }

    mutating func compare(oldRange: Range<Int>, newRange: Range<Int>) {
        var oldLow = oldRange.lowerBound
        var oldHigh = oldRange.upperBound
        var newLow = newRange.lowerBound
        var newHigh = newRange.upperBound
        while oldLow < oldHigh && newLow < newHigh && old[oldLow] == new[newLow] {
            oldLow += 1
            newLow += 1
        }
        while oldLow < oldHigh && newLow < newHigh && old[oldHigh - 1] == new[newHigh - 1] {
            oldHigh -= 1
            newHigh -= 1
        }
        if oldLow == oldHigh || newLow == newHigh || effort <= 0 {
            markReplaced(oldLow..<oldHigh, newLow..<newHigh)
            return
        }
        // A split at a corner would not shrink the problem; never expected, but never loop.
        guard let (x, y) = middle(oldLow..<oldHigh, newLow..<newHigh),
            (x, y) != (oldLow, newLow), (x, y) != (oldHigh, newHigh)
        else {
            markReplaced(oldLow..<oldHigh, newLow..<newHigh)
            return
        }
        compare(oldRange: oldLow..<x, newRange: newLow..<y)
        compare(oldRange: x..<oldHigh, newRange: y..<newHigh)
    }

    private mutating func markReplaced(_ oldRange: Range<Int>, _ newRange: Range<Int>) {
        for index in oldRange { removed[index] = true }
        for index in newRange { added[index] = true }
    }

    /// A point (old index, new index) on a shortest edit path, strictly inside the region, or nil
    /// once the effort runs out. The regions' first lines differ and so do their last lines.
    private mutating func middle(_ oldRange: Range<Int>, _ newRange: Range<Int>) -> (Int, Int)? {
        let n = oldRange.count
        let m = newRange.count
        let oldBase = oldRange.lowerBound
        let newBase = newRange.lowerBound
        let maxD = (n + m + 1) / 2
        let offset = maxD
        // Furthest x reached on each diagonal k = x - y, from the start and from the end.
        var forward = [Int](repeating: -1, count: 2 * maxD + 2)
        var backward = [Int](repeating: -1, count: 2 * maxD + 2)
        forward[offset + 1] = 0
        backward[offset + 1] = 0
        let delta = n - m
        let deltaIsOdd = delta & 1 != 0
        // Diagonals that left the grid are trimmed from the ends of the search range.
        var forwardStartTrim = 0
        var forwardEndTrim = 0
        var backwardStartTrim = 0
        var backwardEndTrim = 0

        for d in 0..<maxD {
            var k = -d + forwardStartTrim
            while k <= d - forwardEndTrim {
                let index = offset + k
                var x =
                    (k == -d || (k != d && forward[index - 1] < forward[index + 1]))
                    ? forward[index + 1] : forward[index - 1] + 1
                var y = x - k
                let snakeStart = x
                while x < n && y < m && old[oldBase + x] == new[newBase + y] {
                    x += 1
                    y += 1
                }
                effort -= 1 + x - snakeStart
                forward[index] = x
                if x > n {
                    forwardEndTrim += 2
                } else if y > m {
                    forwardStartTrim += 2
                } else if deltaIsOdd {
                    let other = offset + delta - k
                    if other >= 0 && other < backward.count && backward[other] != -1 && x >= n - backward[other] {
                        return (oldBase + x, newBase + y)
                    }
                }
                k += 2
            }

            k = -d + backwardStartTrim
            while k <= d - backwardEndTrim {
                let index = offset + k
                var x =
                    (k == -d || (k != d && backward[index - 1] < backward[index + 1]))
                    ? backward[index + 1] : backward[index - 1] + 1
                var y = x - k
                let snakeStart = x
                while x < n && y < m && old[oldBase + n - x - 1] == new[newBase + m - y - 1] {
                    x += 1
                    y += 1
                }
                effort -= 1 + x - snakeStart
                backward[index] = x
                if x > n {
                    backwardEndTrim += 2
                } else if y > m {
                    backwardStartTrim += 2
                } else if !deltaIsOdd {
                    let other = offset + delta - k
                    if other >= 0 && other < forward.count && forward[other] != -1 {
                        let forwardX = forward[other]
                        let forwardY = forwardX - (other - offset)
                        if forwardX >= n - x { return (oldBase + forwardX, newBase + forwardY) }
                    }
                }
                k += 2
            }
            if effort <= 0 { return nil }
        }
        return nil
    }
}

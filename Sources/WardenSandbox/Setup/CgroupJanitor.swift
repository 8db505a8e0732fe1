import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Removes per-worker cgroups (`w<supervisor pid>-<n>`) left behind by a supervisor that was
/// killed: the launcher removes its own when it ends normally, but not when it is SIGKILLed.
enum CgroupJanitor {
    /// Which cgroup a worker would get (v2, v1 or none), and on v2 the parent folder worker
    /// cgroups go to: the launcher readies this process's cgroup (moving this process into a
    /// leaf beside the workers-to-be), then creates, joins, leaves and removes one. Blocking.
    static func probe(launcher: String) -> (kind: String, parent: String?) {
        let arguments = [
            launcher, "cgroup-probe", "--cgroup-name", "w\(getpid())-probe", "--supervisor", String(getpid()),
        ]
        guard let probe = try? ChildProcess.run(arguments, environment: [:], errors: .null) else {
            return ("none", nil)
        }
        let said = probe.text
        let words = said.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1).map(
            String.init)
        guard let kind = words.first, ["v1", "v2"].contains(kind) else { return ("none", nil) }
        return (kind, words.count == 2 ? words[1] : nil)
    }

    /// Sweeps the folders this process's cgroups live in; returns how many it removed.
    @discardableResult
    static func sweep(root: String = "/sys/fs/cgroup") -> Int {
        let fm = FileManager.default
        let ownPaths = Set(
            ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "")
                .split(separator: "\n").compactMap { $0.split(separator: ":", maxSplits: 2).last.map(String.init) })
        // On v2 the workers' cgroups are siblings of the supervisor's leaf: look one level up too.
        let searched = ownPaths.union(
            ownPaths.map { own in
                own.hasSuffix("/warden-supervisor") ? String(own.dropLast("/warden-supervisor".count)) : own
            })
        let mounts = [root] + ((try? fm.contentsOfDirectory(atPath: root)) ?? []).map { "\(root)/\($0)" }
        var removed = 0
        for mount in mounts {
            for own in searched {
                let parent = own == "/" || own.isEmpty ? mount : mount + own
                for name in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] {
                    guard let owner = supervisorPid(name), owner != getpid(), kill(owner, 0) != 0, errno == ESRCH else {
                        continue
                    }
                    if rmdir("\(parent)/\(name)") == 0 { removed += 1 }
                }
            }
        }
        return removed
    }

    /// The supervisor pid in a worker cgroup name `w<pid>-<n>`, or nil for anything else.
    static func supervisorPid(_ name: String) -> pid_t? {
        guard name.hasPrefix("w"), let dash = name.firstIndex(of: "-"),
            let pid = pid_t(name[name.index(after: name.startIndex)..<dash]), pid > 0,
            Int(name[name.index(after: dash)...]) != nil
        else { return nil }
        return pid
    }
}

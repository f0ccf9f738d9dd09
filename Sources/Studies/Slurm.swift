import Experiments
import Foundation

/// Scripts that run a sweep as a Slurm job array plus an aggregation job that waits for it.
public enum SlurmScripts {
    /// Writes slurm/array.sbatch, slurm/aggregate.sbatch and slurm/submit.sh into the sweep
    /// directory; returns the path of submit.sh.
    @discardableResult
    public static func write(
        for sweep: SweepDirectory, executable: String, maxParallel: Int?, partition: String?, time: String?,
        cpusPerTask: Int = 1
    ) throws -> String {
        for (option, value) in [("--partition", partition), ("--time", time)] {
            if let value, let problem = problem(option: option, value: value) { throw OutputError(problem) }
        }
        let dir = URL(fileURLWithPath: sweep.path).standardizedFileURL.path
        if let problem = problem(directory: dir) { throw OutputError(problem) }
        let slurm = "\(dir)/slurm"
        try FileManager.default.createDirectory(atPath: slurm, withIntermediateDirectories: true)
        let name = "convdyn-\(sweep.spec.hash.prefix(8))"
        var common = ""
        if let partition { common += "#SBATCH --partition=\(partition)\n" }
        if let time { common += "#SBATCH --time=\(time)\n" }
        let throttle = maxParallel.map { "%\($0)" } ?? ""
        let array = """
            #!/bin/bash
            # One array task per sweep index: convdyn sweep run skips finished runs and redoes
            # interrupted ones, so the array can be resubmitted after a failure.
            #SBATCH --job-name=\(name)
            #SBATCH --array=0-\(sweep.spec.runCount - 1)\(throttle)
            #SBATCH --cpus-per-task=\(cpusPerTask)
            #SBATCH --output=\(slurm)/array-%A_%a.out
            \(common)set -euo pipefail
            exec \(quote(executable)) sweep run \(quote(dir)) --index "$SLURM_ARRAY_TASK_ID" \
            --threads "${SLURM_CPUS_PER_TASK:-1}"

            """
        let aggregate = """
            #!/bin/bash
            # Runs after every array task has ended (afterany): the summary CSV, phase diagram and report.
            #SBATCH --job-name=\(name)-summary
            #SBATCH --output=\(slurm)/aggregate-%j.out
            \(common)set -euo pipefail
            \(quote(executable)) sweep status \(quote(dir))
            exec \(quote(executable)) sweep summarize \(quote(dir))

            """
        let submit = """
            #!/bin/bash
            # Submits the array and the aggregation job that depends on it. With --wait, returns
            # when the aggregation job has finished, non-zero if it failed.
            set -euo pipefail
            cd \(quote(slurm))
            array=$(sbatch --parsable array.sbatch)
            array=${array%%;*}
            echo "array job: $array (\(sweep.spec.runCount) tasks)"
            if [ "${1:-}" = "--wait" ]; then
              sbatch --wait --parsable --dependency=afterany:$array aggregate.sbatch
            else
              summary=$(sbatch --parsable --dependency=afterany:$array aggregate.sbatch)
              echo "aggregation job: ${summary%%;*} (runs after the array, afterany)"
            fi

            """
        for (file, text) in [("array.sbatch", array), ("aggregate.sbatch", aggregate), ("submit.sh", submit)] {
            let path = "\(slurm)/\(file)"
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o755])
            else {
                throw OutputError("cannot write \(path); check permissions")
            }
        }
        return "\(slurm)/submit.sh"
    }

    /// Why `value` cannot go into an `#SBATCH` line as `option` (nil when it can): partitions are
    /// letters, digits and `_ . - ,` (a list); times are digits, letters (UNLIMITED) and `: -`.
    /// Anything else (a newline, a space, `$`, a quote) could end the line or start shell code.
    public static func problem(option: String, value: String) -> String? {
        let extra: Set<Character> = option == "--time" ? [":", "-"] : ["_", ".", "-", ","]
        let bad = value.first { !(($0.isASCII && ($0.isLetter || $0.isNumber)) || extra.contains($0)) }
        if value.isEmpty || bad != nil {
            let shown = bad.map { "character \(String(reflecting: String($0)))" } ?? "an empty value"
            let allowed = option == "--time" ? "digits, letters, ':' and '-'" : "letters, digits, '_', '.', '-', ','"
            return "\(option) \(String(reflecting: value)) has \(shown); it may hold only \(allowed)"
        }
        return nil
    }

    /// Why the sweep directory `path` cannot go into the scripts (nil when it can): `#SBATCH --output`
    /// takes it unquoted, so control characters, spaces, quotes and `%` (a Slurm pattern) are refused.
    public static func problem(directory path: String) -> String? {
        let unsafe: Set<Character> = [" ", "%", "'", "\"", "\\", "$", "`"]
        guard
            let bad = path.first(where: {
                $0.unicodeScalars.contains { $0.properties.generalCategory == .control } || unsafe.contains($0)
            })
        else { return nil }
        return "the sweep directory \(String(reflecting: path)) has the character \(String(reflecting: String(bad))), "
            + "which cannot go into an #SBATCH line; move the sweep to a path without it"
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The absolute path of the running executable.
    public static var currentExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }
}

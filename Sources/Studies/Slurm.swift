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
        let dir = URL(fileURLWithPath: sweep.path).standardizedFileURL.path
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

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The absolute path of the running executable.
    public static var currentExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }
}

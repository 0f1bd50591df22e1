package cli

import (
	"fmt"
	"os"
	"path"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/policy"
	"github.com/modelgate/modelgate/report"
	"github.com/modelgate/modelgate/scan"
)

type scanFlags struct {
	format   string
	output   string
	failOn   string
	policy   string
	workers  int
	verbose  bool
	include  []string
	exclude  []string
	symlinks bool
	limits   scan.Limits
}

func newScanCmd() *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Find code execution in model files without running them",
		Long: `Scan model files and folders for code that loading them would run.

Formats are decided by content, not by name: pickles of every protocol
(.pkl, .pt, .bin, .ckpt, anything), joblib files with inline arrays, and
zlib, gzip, bz2, xz, lzma, lz4 and zstd compressed streams of them.

Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage error or a
file that could not be fully scanned (never reported as clean).`,
		Example: `  modelgate scan model.joblib
  modelgate scan --format sarif -o modelgate.sarif models/
  modelgate scan --fail-on critical --policy mypolicy.yaml checkpoint.pt`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("scan needs at least one PATH")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runScan(cmd, args, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", envOr("MODELGATE_FORMAT", "text"), "output format: text, json or sarif (env MODELGATE_FORMAT)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to FILE instead of stdout")
	fl.StringVar(&f.failOn, "fail-on", envOr("MODELGATE_FAIL_ON", "high"), "exit 1 on findings at or above this severity: info, low, medium, high, critical, or none (env MODELGATE_FAIL_ON)")
	fl.StringVar(&f.policy, "policy", os.Getenv("MODELGATE_POLICY"), "policy FILE extending the built-in policy (env MODELGATE_POLICY)")
	fl.IntVar(&f.workers, "workers", 0, "files scanned in parallel (default: number of CPUs)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "list clean files and every finding")
	fl.StringArrayVar(&f.include, "include", nil, "in folders, scan only files whose name or relative path matches GLOB (repeatable)")
	fl.StringArrayVar(&f.exclude, "exclude", nil, "in folders, skip files and folders whose name or relative path matches GLOB (repeatable)")
	fl.IntVar(&f.limits.MaxDepth, "max-depth", 0, "layers of archives, compression and nested pickles followed (default 8); deeper is incomplete")
	fl.Int64Var(&f.limits.MaxTotalInflated, "max-inflated", 0, "bytes decompressed per file over all layers (default 64 GiB); more is incomplete")
	fl.IntVar(&f.limits.MaxEntries, "max-entries", 0, "archive entries opened per file over all archives (default 1048576); more is incomplete")
	fl.Float64Var(&f.limits.Decompress.MaxRatio, "max-ratio", 0, "decompressed/compressed ratio allowed past 256 MiB of output (default 1000); more is incomplete")
	fl.BoolVar(&f.symlinks, "follow-symlinks", false, "in folders, scan the targets of symbolic links that stay inside the folder (links that leave it are always reported, never followed)")
	cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"text", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("fail-on", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"info", "low", "medium", "high", "critical", "none"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func runScan(cmd *cobra.Command, paths []string, f scanFlags) error {
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return usageError{err}
	}
	threshold, err := finding.ParseSeverity(f.failOn)
	if err != nil {
		return usageError{fmt.Errorf("--fail-on: %w", err)}
	}
	pol, err := loadPolicy(f.policy)
	if err != nil {
		return err
	}
	for _, g := range append(append([]string{}, f.include...), f.exclude...) {
		if _, err := path.Match(g, ""); err != nil {
			return usageError{fmt.Errorf("bad glob %q: %w", g, err)}
		}
	}
	sc := scan.New(scan.Options{Policy: pol, Workers: f.workers, Include: f.include, Exclude: f.exclude, FollowSymlinks: f.symlinks, Limits: f.limits})
	res, err := sc.Scan(cmd.Context(), paths)
	if err != nil {
		return hinted{err, "check that every PATH exists and is readable"}
	}
	out := cmd.OutOrStdout()
	var file *os.File
	if f.output != "" {
		file, err = os.Create(f.output)
		if err != nil {
			return err
		}
		out = file
	}
	wd, _ := os.Getwd()
	opts := report.Options{
		Color:       f.output == "" && isTerminal(out) && os.Getenv("NO_COLOR") == "",
		ToolVersion: Version,
		BaseDir:     wd,
		Verbose:     f.verbose,
	}
	if err := report.Write(out, format, res, opts); err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
	}
	return exitError{code: scanExit(res, threshold)}
}

// scanExit applies the exit-code table: findings at or above the threshold
// win over incompleteness, and an incomplete scan is never 0.
func scanExit(res *scan.Result, threshold finding.Severity) int {
	if threshold != finding.SeverityNone && res.Max() >= threshold {
		return ExitFindings
	}
	if res.Incomplete() {
		return ExitIncomplete
	}
	return ExitOK
}

func loadPolicy(path string) (*policy.Policy, error) {
	base := policy.Builtin()
	if path == "" {
		return base, nil
	}
	user, err := policy.LoadFile(path)
	if err != nil {
		return nil, hinted{err, "see 'modelgate policy show' for the format of a policy file"}
	}
	return base.Extend(user), nil
}

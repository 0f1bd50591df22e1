package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

func TestSARIFLevels(t *testing.T) {
	tests := []struct {
		sev       finding.Severity
		level     string
		secSev    string
		githubBin string // GitHub's security-severity band for the score
	}{
		{finding.SeverityCritical, "error", "9.5", "critical"},
		{finding.SeverityHigh, "error", "8.0", "high"},
		{finding.SeverityMedium, "warning", "5.5", "medium"},
		{finding.SeverityLow, "note", "3.0", "low"},
		{finding.SeverityInfo, "note", "1.0", "low"},
	}
	for _, tt := range tests {
		t.Run(tt.sev.String(), func(t *testing.T) {
			if got := SARIFLevel(tt.sev); got != tt.level {
				t.Errorf("SARIFLevel = %q, want %q", got, tt.level)
			}
			if got := SecuritySeverity(tt.sev); got != tt.secSev {
				t.Errorf("SecuritySeverity = %q, want %q", got, tt.secSev)
			}
			if got := githubBand(t, tt.secSev); got != tt.githubBin {
				t.Errorf("GitHub would show %s as %q, want %q", tt.secSev, got, tt.githubBin)
			}
		})
	}
}

// githubBand applies GitHub's documented security-severity bands: over
// 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low.
func githubBand(t *testing.T, score string) string {
	var v float64
	if err := json.Unmarshal([]byte(score), &v); err != nil {
		t.Fatal(err)
	}
	switch {
	case v > 9.0:
		return "critical"
	case v >= 7.0:
		return "high"
	case v >= 4.0:
		return "medium"
	case v >= 0.1:
		return "low"
	}
	return "invalid"
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// sarifSchema compiles testdata/sarif-schema-2.1.0.json (see
// testdata/README.md for where it comes from), with format assertions on
// so "uri" and "uri-reference" values are checked too.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const url = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
		if schemaErr = c.AddResource(url, doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(url)
	})
	if schemaErr != nil {
		t.Fatalf("loading the SARIF schema: %v", schemaErr)
	}
	return schema
}

// sarifCases are the results every SARIF check runs on.
func sarifCases() []struct {
	name string
	r    *scan.Result
	opts Options
} {
	odd := sampleResult("")
	odd.Files[1].Path = `models\with space\#1 ünï:côde.pt`
	for i := range odd.Files[1].Findings {
		odd.Files[1].Findings[i].Location.Path = odd.Files[1].Path
	}
	return []struct {
		name string
		r    *scan.Result
		opts Options
	}{
		{"sample under base", sampleResult("/src/repo"), Options{ToolVersion: "0.1.0", BaseDir: "/src/repo"}},
		{"relative paths, no base", sampleResult(""), Options{}},
		{"outside base", sampleResult("/elsewhere"), Options{BaseDir: "/src/repo"}},
		{"odd file names", odd, Options{}},
		{"empty", &scan.Result{}, Options{}},
		{"all clean", &scan.Result{Rules: sampleRules(), Files: []scan.FileResult{{Path: "a.pkl", Status: scan.StatusClean}}}, Options{}},
		{"finding without rule metadata", &scan.Result{Files: []scan.FileResult{{
			Path: "a.pkl", Status: scan.StatusFindings,
			Findings: []finding.Finding{{RuleID: "x-unknown", Severity: finding.SeverityHigh, Location: finding.Location{Path: "a.pkl", Offset: -1}}},
		}}}, Options{}},
		{"source file finding", &scan.Result{Rules: sampleRules(), Files: []scan.FileResult{{
			Path: "train.py", Status: scan.StatusFindings,
			Findings: []finding.Finding{{RuleID: "pickle-denied-global", Severity: finding.SeverityCritical, Message: "torch.load without weights_only",
				Location: finding.Location{Path: "train.py", Offset: -1, Line: 12, Column: 5}}},
		}}}, Options{}},
	}
}

func writeSARIFBytes(t *testing.T, r *scan.Result, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSARIFSchemaValid(t *testing.T) {
	sch := sarifSchema(t)
	for _, tc := range sarifCases() {
		t.Run(tc.name, func(t *testing.T) {
			out := writeSARIFBytes(t, tc.r, tc.opts)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("output does not validate against SARIF 2.1.0: %v\n%s", err, out)
			}
		})
	}
}

// TestSARIFSchemaRejects makes sure the validator is really checking:
// known-bad documents must fail.
func TestSARIFSchemaRejects(t *testing.T) {
	sch := sarifSchema(t)
	bad := map[string]string{
		"wrong version":            `{"version": "2.0.0", "runs": []}`,
		"null rules":               `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": null}}}]}`,
		"message without text":     `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {}}]}]}`,
		"startLine zero":           `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]}`,
		"bad level":                `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "critical"}]}]}`,
		"executionSuccessful null": `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "invocations": [{"executionSuccessful": null}]}]}`,
	}
	for name, doc := range bad {
		t.Run(name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if sch.Validate(inst) == nil {
				t.Errorf("schema accepted %s", doc)
			}
		})
	}
}

// The decoded shape of what GitHub reads, for the structural checks.
type ghLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID                   string                          `json:"id"`
					Name                 string                          `json:"name"`
					ShortDescription     struct{ Text string }           `json:"shortDescription"`
					FullDescription      struct{ Text string }           `json:"fullDescription"`
					Help                 struct{ Text, Markdown string } `json:"help"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
						Precision        string   `json:"precision"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful        *bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string                `json:"level"`
				Message struct{ Text string } `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string                `json:"ruleId"`
			RuleIndex *int                  `json:"ruleIndex"`
			Level     string                `json:"level"`
			Message   struct{ Text string } `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine  int    `json:"startLine"`
						ByteOffset *int64 `json:"byteOffset"`
						ByteLength int64  `json:"byteLength"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

var lineHashRE = regexp.MustCompile(`^[0-9a-f]{16}:[1-9][0-9]*$`)

// TestSARIFGitHubRequirements checks, field by field, what GitHub's
// "SARIF support for code scanning" page marks required, on every case.
func TestSARIFGitHubRequirements(t *testing.T) {
	for _, tc := range sarifCases() {
		t.Run(tc.name, func(t *testing.T) {
			out := writeSARIFBytes(t, tc.r, tc.opts)
			var log ghLog
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			if log.Schema == "" || log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("$schema %q, version %q, %d runs", log.Schema, log.Version, len(log.Runs))
			}
			run := log.Runs[0]
			if run.Tool.Driver.Name != "modelgate" {
				t.Errorf("driver name %q", run.Tool.Driver.Name)
			}
			for i, rule := range run.Tool.Driver.Rules {
				if rule.ID == "" || rule.Name == "" || rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" ||
					rule.Help.Text == "" || rule.Help.Markdown == "" || rule.DefaultConfiguration.Level == "" ||
					rule.Properties.SecuritySeverity == "" || rule.Properties.Precision == "" {
					t.Errorf("rule %d has an empty required field: %+v", i, rule)
				}
				if len(rule.ShortDescription.Text) > 1024 || len(rule.FullDescription.Text) > 1024 || len(rule.Name) > 255 {
					t.Errorf("rule %s exceeds GitHub's length limits", rule.ID)
				}
				if len(rule.Properties.Tags) == 0 || rule.Properties.Tags[0] != "security" || len(rule.Properties.Tags) > 20 {
					t.Errorf("rule %s tags %q", rule.ID, rule.Properties.Tags)
				}
				if i > 0 && run.Tool.Driver.Rules[i-1].ID >= rule.ID {
					t.Errorf("rules not sorted by ID at %d", i)
				}
			}
			for i, res := range run.Results {
				if res.RuleIndex == nil || *res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
					t.Errorf("result %d: ruleIndex does not point at rule %q", i, res.RuleID)
				}
				if res.Message.Text == "" || res.Level == "" {
					t.Errorf("result %d: empty message or level", i)
				}
				if len(res.Locations) != 1 {
					t.Fatalf("result %d: %d locations", i, len(res.Locations))
				}
				pl := res.Locations[0].PhysicalLocation
				if pl.ArtifactLocation.URI == "" || strings.Contains(pl.ArtifactLocation.URI, `\`) {
					t.Errorf("result %d: uri %q", i, pl.ArtifactLocation.URI)
				}
				relative := !strings.HasPrefix(pl.ArtifactLocation.URI, "file://")
				if relative != (pl.ArtifactLocation.URIBaseID == "%SRCROOT%") {
					t.Errorf("result %d: uri %q with uriBaseId %q", i, pl.ArtifactLocation.URI, pl.ArtifactLocation.URIBaseID)
				}
				if pl.Region == nil || pl.Region.StartLine < 1 {
					t.Errorf("result %d: region without startLine", i)
				}
				if !lineHashRE.MatchString(res.PartialFingerprints["primaryLocationLineHash"]) {
					t.Errorf("result %d: primaryLocationLineHash %q", i, res.PartialFingerprints["primaryLocationLineHash"])
				}
			}
			inv := run.Invocations
			if len(inv) != 1 || inv[0].ExecutionSuccessful == nil {
				t.Fatalf("invocations %+v", inv)
			}
			if *inv[0].ExecutionSuccessful == tc.r.Incomplete() {
				t.Errorf("executionSuccessful = %v for a result with Incomplete() = %v", *inv[0].ExecutionSuccessful, tc.r.Incomplete())
			}
			if tc.r.Incomplete() && len(inv[0].ToolExecutionNotifications) == 0 {
				t.Error("incomplete scan without toolExecutionNotifications")
			}
		})
	}
}

// TestSARIFSampleDetails pins the mapping of the sample's findings.
func TestSARIFSampleDetails(t *testing.T) {
	out := writeSARIFBytes(t, sampleResult("/src/repo"), Options{BaseDir: "/src/repo"})
	var log ghLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	var ruleIDs []string
	for _, r := range run.Tool.Driver.Rules {
		ruleIDs = append(ruleIDs, r.ID)
	}
	wantRules := []string{"pickle-denied-global", "pickle-frame-violation", "pickle-trailing-data", "pickle-unlisted-global"}
	if diff := cmp.Diff(wantRules, ruleIDs); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}

	type row struct {
		Rule, Level, URI string
		ByteOffset       int64 // -1: none
		Member           any
	}
	var got []row
	for _, res := range run.Results {
		pl := res.Locations[0].PhysicalLocation
		r := row{Rule: res.RuleID, Level: res.Level, URI: pl.ArtifactLocation.URI, ByteOffset: -1, Member: res.Properties["member"]}
		if pl.Region.ByteOffset != nil {
			r.ByteOffset = *pl.Region.ByteOffset
		}
		got = append(got, r)
	}
	want := []row{
		{"pickle-denied-global", "error", "models/evil.pt", -1, "evil/data.pkl"},
		{"pickle-unlisted-global", "warning", "models/evil.pt", -1, "evil/data.pkl"},
		{"pickle-trailing-data", "note", "models/evil.pt", 2036, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if msg := run.Results[0].Message.Text; !strings.HasPrefix(msg, "Pickle calls os.system when loaded. At member evil/data.pkl, offset 58.") ||
		!strings.Contains(msg, "os.system('touch /tmp/x')") {
		t.Errorf("message %q lacks the member, offset or call", msg)
	}
	notes := run.Invocations[0].ToolExecutionNotifications
	if len(notes) != 2 || !strings.Contains(notes[0].Message.Text, "models/truncated.pkl") || !strings.Contains(notes[1].Message.Text, "unreadable.joblib") {
		t.Errorf("notifications %+v", notes)
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct {
		name, path, base string
		want             string
		relative         bool
	}{
		{"relative, no base", "models/a.pkl", "", "models/a.pkl", true},
		{"dot segments cleaned", "./models/../models/a.pkl", "", "models/a.pkl", true},
		{"inside base", "/src/repo/models/a.pkl", "/src/repo", "models/a.pkl", true},
		{"inside base with trailing slash", "/src/repo/a.pkl", "/src/repo/", "a.pkl", true},
		{"outside base", "/tmp/a.pkl", "/src/repo", "file:///tmp/a.pkl", false},
		{"sibling with common prefix", "/src/repo2/a.pkl", "/src/repo", "file:///src/repo2/a.pkl", false},
		{"absolute, no base", "/tmp/a.pkl", "", "file:///tmp/a.pkl", false},
		{"space and hash", "my models/#1.pkl", "", "my%20models/%231.pkl", true},
		{"percent and query", "a%b?.pkl", "", "a%25b%3F.pkl", true},
		{"colon in first segment", "c:d/a.pkl", "", "c%3Ad/a.pkl", true},
		{"non-ASCII", "modèle.pkl", "", "mod%C3%A8le.pkl", true},
		{"backslash in a Unix file name", `models\a.pkl`, "", "models%5Ca.pkl", true},
		{"outside with space", "/tmp/my model.pkl", "/src/repo", "file:///tmp/my%20model.pkl", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rel := artifactURI(tt.path, tt.base)
			if got != tt.want || rel != tt.relative {
				t.Errorf("artifactURI(%q, %q) = %q, %v; want %q, %v", tt.path, tt.base, got, rel, tt.want, tt.relative)
			}
			if strings.Contains(got, `\`) {
				t.Errorf("URI %q contains a backslash", got)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := finding.Finding{
		RuleID: "pickle-denied-global", Severity: finding.SeverityCritical, Message: "m",
		Location: finding.Location{Path: "/src/repo/models/a.pt", Member: "a/data.pkl", Offset: 58},
		Evidence: finding.Evidence{Global: "os.system", Call: "os.system('id')"},
	}
	fp := Fingerprint(base, "/src/repo")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q is not 64 hex digits", fp)
	}

	same := map[string]func(*finding.Finding) string{
		"other checkout directory": func(f *finding.Finding) string {
			f.Location.Path = "/home/ci/work/models/a.pt"
			return "/home/ci/work"
		},
		"message, severity and call": func(f *finding.Finding) string {
			f.Message, f.Severity, f.Evidence.Call = "other", finding.SeverityLow, "os.system('whoami')"
			return "/src/repo"
		},
	}
	for name, change := range same {
		f := base
		if got := Fingerprint(f, change(&f)); got != fp {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	differs := map[string]func(*finding.Finding){
		"rule":   func(f *finding.Finding) { f.RuleID = "pickle-unlisted-global" },
		"path":   func(f *finding.Finding) { f.Location.Path = "/src/repo/models/b.pt" },
		"member": func(f *finding.Finding) { f.Location.Member = "b/data.pkl" },
		"offset": func(f *finding.Finding) { f.Location.Offset = 59 },
		"global": func(f *finding.Finding) { f.Evidence.Global = "posix.system" },
		"shifted field boundary": func(f *finding.Finding) {
			f.Location.Member, f.Evidence.Global = "a/data.pkl5", "8os.system"
		},
	}
	for name, change := range differs {
		f := base
		change(&f)
		if Fingerprint(f, "/src/repo") == fp {
			t.Errorf("changing the %s kept the fingerprint", name)
		}
	}

	h := lineHashes{}
	first, second := h.next(fp), h.next(fp)
	if first != fp[:16]+":1" || second != fp[:16]+":2" {
		t.Errorf("line hashes %q, %q", first, second)
	}
}

func TestRuleNames(t *testing.T) {
	tests := []struct{ title, id, want string }{
		{"Pickle imports a dangerous global", "x", "PickleImportsADangerousGlobal"},
		{"Data after the pickle's STOP", "x", "DataAfterThePickleSSTOP"},
		{"", "pickle-x", "pickle-x"},
		{"!!!", "pickle-y", "pickle-y"},
	}
	for _, tt := range tests {
		if got := ruleName(finding.Rule{ID: tt.id, Title: tt.title}); got != tt.want {
			t.Errorf("ruleName(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

// TestFileURI covers the Windows shapes through their slash forms, which
// is what filepath.ToSlash produces from them on Windows.
func TestFileURI(t *testing.T) {
	tests := map[string]string{
		"/a/b c":           "file:///a/b%20c",
		"C:/Users/x/m.pkl": "file:///C:/Users/x/m.pkl",
		"//host/share/m":   "file://host/share/m",
	}
	for in, want := range tests {
		if got := fileURI(in); got != want {
			t.Errorf("fileURI(%q) = %q, want %q", in, got, want)
		}
	}
	if got := baseURI("/src/repo"); got != "file:///src/repo/" {
		t.Errorf("baseURI = %q", got)
	}
}

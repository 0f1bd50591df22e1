package report

import (
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// SARIF 2.1.0 output for GitHub code scanning.
//
// The types below are the subset of SARIF 2.1.0 that modelgate writes.
// Fields GitHub or the schema require are plain values, so they can never
// be encoded as null; optional ones carry omitempty. See the package doc
// for the mapping from scan results.

const (
	sarifVersion = "2.1.0"
	// sarifSchemaURI is the $schema GitHub's documentation uses.
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	// toolInformationURI is where the tool is documented.
	toolInformationURI = "https://github.com/modelgate/modelgate"
	// sarifTextLimit is GitHub's limit on rule description lengths.
	sarifTextLimit = 1024
	// sarifTagLimit is GitHub's limit on tags per rule.
	sarifTagLimit = 20
	// maxSARIFEvidence bounds evidence strings in messages and property bags.
	maxSARIFEvidence = 1024
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult                    `json:"results"`
	Properties         *sarifRunProperties              `json:"properties,omitempty"`
}

type sarifRunProperties struct {
	PolicyVersion string `json:"policyVersion,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	ShortDescription     sarifText           `json:"shortDescription"`
	FullDescription      sarifText           `json:"fullDescription"`
	Help                 sarifMarkdown       `json:"help"`
	DefaultConfiguration sarifConfiguration  `json:"defaultConfiguration"`
	Properties           sarifRuleProperties `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMarkdown struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProperties struct {
	Tags             []string `json:"tags"`
	Precision        string   `json:"precision"`
	SecuritySeverity string   `json:"security-severity"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string                 `json:"ruleId"`
	RuleIndex           int                    `json:"ruleIndex"`
	Level               string                 `json:"level"`
	Message             sarifText              `json:"message"`
	Locations           []sarifLocation        `json:"locations"`
	PartialFingerprints map[string]string      `json:"partialFingerprints"`
	Properties          *sarifResultProperties `json:"properties,omitempty"`
}

type sarifResultProperties struct {
	Member string `json:"member,omitempty"`
	Offset *int64 `json:"offset,omitempty"` // byte offset inside member (or file)
	Opcode string `json:"opcode,omitempty"`
	Global string `json:"global,omitempty"`
	Call   string `json:"call,omitempty"`
	Detail string `json:"detail,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int    `json:"startLine"`
	StartColumn int    `json:"startColumn,omitempty"`
	ByteOffset  *int64 `json:"byteOffset,omitempty"`
	ByteLength  int64  `json:"byteLength,omitempty"`
}

// SARIFLevel returns the SARIF level for a severity: critical and high
// are "error", medium is "warning", low and info are "note".
func SARIFLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// SecuritySeverity returns the GitHub security-severity score for a
// severity, chosen to land inside GitHub's bands: critical 9.5 (above
// 9.0), high 8.0 (7.0-8.9), medium 5.5 (4.0-6.9), low 3.0 (0.1-3.9) and
// info 1.0.
func SecuritySeverity(s finding.Severity) string {
	switch {
	case s >= finding.SeverityCritical:
		return "9.5"
	case s == finding.SeverityHigh:
		return "8.0"
	case s == finding.SeverityMedium:
		return "5.5"
	case s == finding.SeverityLow:
		return "3.0"
	default:
		return "1.0"
	}
}

func writeSARIF(w io.Writer, r *scan.Result, opts Options) error {
	rules := ruleSet(r)
	index := make(map[string]int, len(rules))
	sarifRules := make([]sarifRule, len(rules))
	for i, rule := range rules {
		index[rule.ID] = i
		sarifRules[i] = toSARIFRule(rule)
	}

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           toolName,
			Version:        opts.ToolVersion,
			InformationURI: toolInformationURI,
			Rules:          sarifRules,
		}},
		Invocations: []sarifInvocation{toSARIFInvocation(r, opts.BaseDir)},
		Results:     []sarifResult{},
	}
	if u := baseURI(opts.BaseDir); u != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {URI: u}}
	}
	if r.PolicyVersion != "" {
		run.Properties = &sarifRunProperties{PolicyVersion: r.PolicyVersion}
	}
	hashes := lineHashes{}
	for _, f := range r.Files {
		for _, x := range f.Findings {
			run.Results = append(run.Results, toSARIFResult(x, index[x.RuleID], opts.BaseDir, hashes))
		}
	}
	return encodeJSON(w, sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}})
}

func toSARIFRule(r finding.Rule) sarifRule {
	title := nonEmpty(r.Title, r.ID)
	why := nonEmpty(r.Why, title)
	return sarifRule{
		ID:                   r.ID,
		Name:                 ruleName(r),
		ShortDescription:     sarifText{Text: shorten(title, sarifTextLimit-32)},
		FullDescription:      sarifText{Text: shorten(why, sarifTextLimit-32)},
		Help:                 sarifMarkdown{Text: helpText(r, title, why), Markdown: helpMarkdown(r, title, why)},
		DefaultConfiguration: sarifConfiguration{Level: SARIFLevel(r.Severity)},
		Properties: sarifRuleProperties{
			Tags:             ruleTags(r),
			Precision:        "high",
			SecuritySeverity: SecuritySeverity(r.Severity),
		},
	}
}

// ruleName turns a rule title into the PascalCase identifier SARIF
// expects in reportingDescriptor.name ("Dangerous global call" becomes
// "DangerousGlobalCall"), falling back to the ID.
func ruleName(r finding.Rule) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(r.Title, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }) {
		first := []rune(word)
		first[0] = unicode.ToUpper(first[0])
		b.WriteString(string(first))
	}
	if b.Len() == 0 || b.Len() > 255 {
		return r.ID
	}
	return b.String()
}

func helpText(r finding.Rule, title, why string) string {
	text := title + "\n\n" + why
	if r.Fix != "" {
		text += "\n\nHow to fix: " + r.Fix
	}
	return text
}

func helpMarkdown(r finding.Rule, title, why string) string {
	md := "**" + title + "** (`" + r.ID + "`, severity " + r.Severity.String() + ")\n\n" + why
	if r.Fix != "" {
		md += "\n\n## How to fix\n\n" + r.Fix
	}
	return md
}

// ruleTags returns "security" (GitHub filters on it) followed by the
// rule's own tags, without duplicates, at most sarifTagLimit.
func ruleTags(r finding.Rule) []string {
	tags := []string{"security"}
	for _, t := range r.Tags {
		if t != "" && !contains(tags, t) && len(tags) < sarifTagLimit {
			tags = append(tags, t)
		}
	}
	return tags
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func toSARIFResult(x finding.Finding, ruleIndex int, baseDir string, hashes lineHashes) sarifResult {
	fp := Fingerprint(x, baseDir)
	return sarifResult{
		RuleID:    x.RuleID,
		RuleIndex: ruleIndex,
		Level:     SARIFLevel(x.Severity),
		Message:   sarifText{Text: resultMessage(x)},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: toArtifactLocation(x.Location.Path, baseDir),
			Region:           toRegion(x.Location),
		}}},
		PartialFingerprints: map[string]string{
			"primaryLocationLineHash": hashes.next(fp),
			fingerprintVersion:        fp,
		},
		Properties: resultProperties(x),
	}
}

func toArtifactLocation(path, baseDir string) sarifArtifactLocation {
	uri, relative := artifactURI(path, baseDir)
	loc := sarifArtifactLocation{URI: uri}
	if relative {
		loc.URIBaseID = srcRoot
	}
	return loc
}

// toRegion places a finding in its file.
//
// Source files (Line > 0) get their line and column. Model files have no
// lines, but GitHub code scanning needs region.startLine to show an
// alert (it supports neither byteOffset alone nor a missing region), so
// binary findings point at line 1, and the byte offset goes in byteOffset
// with byteLength 1 for SARIF consumers that understand binary regions.
// byteOffset is only set when the offset is into the file itself: an
// offset inside an archive member is not a file offset, so it goes in
// the message and the result's properties instead.
func toRegion(loc finding.Location) *sarifRegion {
	if loc.Line > 0 {
		return &sarifRegion{StartLine: loc.Line, StartColumn: max(loc.Column, 0)}
	}
	region := &sarifRegion{StartLine: 1}
	if loc.Member == "" && loc.Offset >= 0 {
		off := loc.Offset
		region.ByteOffset = &off
		region.ByteLength = 1
	}
	return region
}

// resultMessage is the finding's message as the first sentence (GitHub
// uses it as the alert title), then where it is and what was seen.
func resultMessage(x finding.Finding) string {
	msg := strings.TrimSpace(nonEmpty(x.Message, "Rule "+x.RuleID+" fired"))
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "!") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	var where []string
	if x.Location.Member != "" {
		where = append(where, "member "+x.Location.Member)
	}
	if x.Location.Offset >= 0 && x.Location.Line == 0 {
		where = append(where, "offset "+strconv.FormatInt(x.Location.Offset, 10))
	}
	if len(where) > 0 {
		msg += " At " + strings.Join(where, ", ") + "."
	}
	ev := x.Evidence
	var what []string
	if ev.Opcode != "" {
		what = append(what, "opcode "+ev.Opcode)
	}
	if ev.Global != "" {
		what = append(what, "global "+ev.Global)
	}
	if ev.Call != "" {
		what = append(what, "call "+shorten(ev.Call, maxSARIFEvidence))
	}
	if len(what) > 0 {
		msg += " Evidence: " + strings.Join(what, ", ") + "."
	}
	if ev.Detail != "" {
		msg += " Detail: " + strings.TrimRight(shorten(ev.Detail, maxSARIFEvidence), ". ") + "."
	}
	return msg
}

func resultProperties(x finding.Finding) *sarifResultProperties {
	p := sarifResultProperties{
		Member: x.Location.Member,
		Opcode: x.Evidence.Opcode,
		Global: x.Evidence.Global,
		Call:   shorten(x.Evidence.Call, maxSARIFEvidence),
		Detail: shorten(x.Evidence.Detail, maxSARIFEvidence),
	}
	if x.Location.Offset >= 0 && x.Location.Line == 0 {
		off := x.Location.Offset
		p.Offset = &off
	}
	if p == (sarifResultProperties{}) {
		return nil
	}
	return &p
}

// toSARIFInvocation records whether every file was scanned to the end.
// Each file that was not becomes an error notification naming the file
// and the reason, and executionSuccessful is false, so an incomplete scan
// shows as a failed analysis in code scanning instead of as "no alerts".
func toSARIFInvocation(r *scan.Result, baseDir string) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, f := range r.Files {
		if fullyScanned(f.Status) {
			continue
		}
		inv.ExecutionSuccessful = false
		art := toArtifactLocation(f.Path, baseDir)
		loc := []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: art}}}
		reasons := f.Errors
		if len(reasons) == 0 {
			reasons = []string{"no reason was recorded"}
		}
		for _, reason := range reasons {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Level:     "error",
				Message:   sarifText{Text: notificationText(art.URI, f.Status, reason)},
				Locations: loc,
			})
		}
	}
	return inv
}

// notificationText names the file by its artifact URI, as the results
// do, so the text does not carry the scanning machine's directories.
func notificationText(uri string, status scan.Status, reason string) string {
	what := "was not fully scanned"
	if status == scan.StatusError {
		what = "could not be read"
	}
	return uri + " " + what + " (status " + string(status) + "): " + strings.TrimRight(reason, ". ") + ". An incomplete scan is never clean."
}

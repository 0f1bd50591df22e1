// Package report writes scan results as text for people, JSON for
// programs, and SARIF 2.1.0 for GitHub code scanning.
//
// It reads only scan.Result and the finding types, and never opens the
// files it reports on. Every writer is deterministic: the same result and
// options give the same bytes, which the golden files in testdata pin.
// One rule holds across all three formats: a file that was not scanned to
// the end is never presented as clean.
//
// # Text
//
// One entry per file, in the result's order: a header "path: status
// (format)", then, indented, each finding on one line (severity, rule ID,
// message) followed by its evidence (member, offset or line, opcode,
// global, call, detail), then the file's errors and, for a file not fully
// scanned, a hint that an incomplete scan is never clean. Clean and
// skipped files are one header line each; beyond CleanListLimit of them
// they are only counted unless Options.Verbose is set. Findings below
// Options.MinSeverity are not printed but are counted, and the file says
// how many were hidden. The report ends with a summary: files by status,
// findings by severity, and the verdict (see Verdict).
//
// Everything printed that came from a model file (paths, member names,
// rendered calls) has control characters, invalid UTF-8 and
// bidirectional overrides escaped, and long evidence is cut, so a hostile
// file cannot rewrite the terminal or forge a clean line.
//
// # JSON schema (schema_version 1)
//
// The JSON report is one object; keys appear in the order listed. Arrays
// are always present, [] when empty, never null. schema_version changes
// only when a field is removed, renamed or changes meaning; new fields may
// appear without it changing.
//
//	{
//	  "schema_version": 1,              // integer, JSONSchemaVersion
//	  "tool": {
//	    "name": "modelgate",
//	    "version": "1.2.3"              // absent when Options.ToolVersion is empty
//	  },
//	  "policy_version": "…",            // scan.Result.PolicyVersion, "" if unset
//	  "summary": {                      // Summary; every finding counts, whatever MinSeverity is
//	    "files": 4,                     // files in the result
//	    "by_status": {"clean": 1, "findings": 1, "incomplete": 1, "error": 1, "skipped": 0, "other": 0},
//	    "findings": 1,                  // findings of any severity
//	    "by_severity": {"critical": 1, "high": 0, "medium": 0, "low": 0, "info": 0},
//	    "max_severity": "critical",     // "none" when there are no findings
//	    "not_fully_scanned": 2,         // files whose status is incomplete, error or unknown
//	    "incomplete": true,             // not_fully_scanned > 0; such a scan is never clean
//	    "verdict": "findings"           // "findings" | "incomplete" | "empty" | "clean"
//	  },
//	  "files": [                        // in the result's order
//	    {
//	      "path": "models/evil.pkl",    // as scanned
//	      "format": "pickle",           // detected container, e.g. "pytorch-zip", "joblib+zlib"
//	      "size": 312,                  // bytes
//	      "status": "findings",         // "clean" | "findings" | "incomplete" | "error" | "skipped"
//	      "findings": [
//	        {
//	          "rule": "MG-…",           // rule ID, see "rules"
//	          "severity": "critical",   // "info" | "low" | "medium" | "high" | "critical"
//	          "message": "…",
//	          "location": {
//	            "path": "models/evil.pkl",
//	            "member": "archive/data.pkl", // absent when not inside an archive
//	            "offset": 123,          // byte offset in member (or file); -1 when not applicable
//	            "line": 0, "column": 0  // absent (0) for binary files
//	          },
//	          "evidence": {             // each key absent when empty
//	            "opcode": "REDUCE",
//	            "global": "os.system",
//	            "call": "os.system('touch /tmp/x')",
//	            "detail": "…"
//	          },
//	          "fingerprint": "…"        // Fingerprint: 64 hex digits, stable across runs
//	        }
//	      ],
//	      "errors": ["…"],              // why the file is incomplete or unreadable
//	      "imports": ["os.system"]      // every import the file's pickles request
//	    }
//	  ],
//	  "rules": [                        // metadata of the rules that fired, sorted by id
//	    {"id": "MG-…", "title": "…", "severity": "critical", "why": "…", "fix": "…", "tags": ["…"]}
//	  ]
//	}
//
// For gating, read summary.verdict, or summary.by_severity together with
// summary.incomplete: a CLI exits 1 when findings reach its threshold and
// 2 when summary.incomplete is true.
//
// # SARIF
//
// The SARIF writer follows what GitHub code scanning reads. Rules come
// from scan.Result.Rules, all of them, sorted by ID so ruleIndex is stable
// (a rule ID a finding uses without metadata gets a placeholder rule
// rather than a dropped result). Each rule has id, a PascalCase name,
// shortDescription (title), fullDescription (why), help as text and
// Markdown (why and how to fix), defaultConfiguration.level and the
// properties tags (always including "security"), precision and
// security-severity. Levels and scores map from severity as in SARIFLevel
// and SecuritySeverity.
//
// Each finding is a result with ruleId, ruleIndex, level, a message whose
// first sentence is the finding's message followed by the member, offset
// and evidence, and one location. Its artifactLocation.uri is relative to
// Options.BaseDir with forward slashes and uriBaseId %SRCROOT%, or a
// file:// URI for a path outside it. Model files have no lines, but
// GitHub needs region.startLine, so binary findings use startLine 1 and,
// when the offset is into the file itself (no archive member), byteOffset
// with byteLength 1. The member and offset are also in the message and
// in the result's properties. partialFingerprints carries
// primaryLocationLineHash (derived from Fingerprint, in GitHub's
// "<hex>:<n>" shape, so the uploader does not hash lines of a binary
// file) and the full fingerprint under "modelgate/v1".
//
// Files that were not fully scanned become error notifications in
// invocations[0].toolExecutionNotifications, and executionSuccessful is
// false, so code scanning shows the analysis as failed rather than clean.
package report

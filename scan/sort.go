package scan

import (
	"sort"

	"github.com/modelgate/modelgate/finding"
)

func sortStrings(s []string) { sort.Strings(s) }

// sortFindings orders findings by member, then offset, then rule, keeping
// stream order for ties.
func sortFindings(fs []finding.Finding) {
	sort.SliceStable(fs, func(a, b int) bool {
		x, y := fs[a].Location, fs[b].Location
		if x.Member != y.Member {
			return x.Member < y.Member
		}
		if x.Offset != y.Offset {
			return x.Offset < y.Offset
		}
		return fs[a].RuleID < fs[b].RuleID
	})
}

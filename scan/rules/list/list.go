// Package list is the explicit registry of scan rules.
package list

import (
	"github.com/modelgate/modelgate/scan/rules"
	"github.com/modelgate/modelgate/scan/rules/deniedglobal"
	"github.com/modelgate/modelgate/scan/rules/differential"
	"github.com/modelgate/modelgate/scan/rules/dynamicglobal"
	"github.com/modelgate/modelgate/scan/rules/errorafter"
	"github.com/modelgate/modelgate/scan/rules/extopcode"
	"github.com/modelgate/modelgate/scan/rules/framing"
	"github.com/modelgate/modelgate/scan/rules/globalmutation"
	"github.com/modelgate/modelgate/scan/rules/indirectcall"
	"github.com/modelgate/modelgate/scan/rules/nestedpickle"
	"github.com/modelgate/modelgate/scan/rules/protocol"
	"github.com/modelgate/modelgate/scan/rules/trailingdata"
	"github.com/modelgate/modelgate/scan/rules/unlistedglobal"

	"github.com/modelgate/modelgate/scan/rules/extmismatch"
	"github.com/modelgate/modelgate/scan/rules/npyobject"
	"github.com/modelgate/modelgate/scan/rules/storagemismatch"
	"github.com/modelgate/modelgate/scan/rules/symlinkescape"
	"github.com/modelgate/modelgate/scan/rules/torchscript"
	"github.com/modelgate/modelgate/scan/rules/zipanomaly"
)

// All returns every rule, in report order: rules on pickle streams first,
// then rules on containers.
func All() []rules.Rule {
	return append(Pickle(), Container()...)
}

// Container returns the rules that look at containers (zip, tar, torch,
// numpy) and folders.
func Container() []rules.Rule {
	return []rules.Rule{
		zipanomaly.Rule{},
		torchscript.Rule{},
		storagemismatch.Rule{},
		npyobject.Rule{},
		symlinkescape.Rule{},
		extmismatch.Rule{},
	}
}

// Pickle returns every rule run on pickle streams, in report order.
func Pickle() []rules.Rule {
	return []rules.Rule{
		deniedglobal.Rule{},
		unlistedglobal.Rule{},
		dynamicglobal.Rule{},
		extopcode.Rule{},
		globalmutation.Rule{},
		nestedpickle.Rule{},
		indirectcall.Rule{},
		errorafter.Rule{},
		framing.Rule{},
		differential.Rule{},
		trailingdata.Rule{},
		protocol.Rule{},
	}
}

// Package policy decides, for every import a pickle asks for, whether it is
// allowed, denied as a known danger, or unlisted.
//
// An import is the (module, name) pair CPython's Unpickler.find_class would
// receive, after _compat_pickle renaming. From protocol 4 the name may be
// dotted: module "pathlib" with name "os.system" imports pathlib and then
// walks the attributes os and system. The path of an import is
// module + "." + name.
//
// # Default deny
//
// The policy is an allowlist. The denylist only names dangers and sets their
// severity; it never makes anything safe. For each import, in this order:
//
//  1. allow_unsafe: a user policy may allow one exact import even though it
//     is denied. The key says what it does; the builtin policy has none.
//  2. deny: every deny entry is matched against candidate paths, described
//     below. A match gives rule [RuleDenied] at critical severity unless the
//     entry or the policy says otherwise.
//  3. dunder: a name component of the form __x__ (__globals__, __class__,
//     __builtins__, __subclasses__, __init__ ...) is denied as an attribute
//     access gadget.
//  4. allow: an allow entry admits the import.
//  5. otherwise the import is unlisted: rule [RuleUnlisted], high severity.
//
// A denied import is never allowed by an allow entry.
//
// # Deny matching
//
// The candidate paths of an import are the full path and every suffix of at
// least two components that starts inside the name. Module "pathlib" with
// name "Path.os.system" gives "pathlib.Path.os.system", "Path.os.system" and
// "os.system". A suffix whose first component starts with "_" is also tried
// with the underscores removed, because modules often import others under a
// private alias (random._os is os). The first component of every candidate
// is folded through a short alias table first: __builtin__ and __builtins__
// are builtins, posix and nt are os, _operator is operator, _pickle and
// cPickle are pickle, _io is io, and so on. Only the name's components get
// underscores removed; a module such as _codecs or numpy.random._pickle is
// a real module and keeps its name.
//
// A deny entry "a.b" matches a candidate equal to "a.b" or starting with
// "a.b."; an entry "a.b.*" matches only candidates starting with "a.b.".
// An entry's except list names paths relative to it that it does not cover
// (exactly, not their children); such paths are then decided by the
// allowlist like any other import. When several entries match, the decision
// reports the most severe, then the one matching the shortest candidate
// (the object actually reached), then the longest entry.
//
// # Allow matching
//
// An allow entry "a.b.C" admits exactly module "a.b" with name "C". A dotted
// name needs an entry with an explicit split, "a:b.C" for module "a" with
// name "b.C", so allowing collections.OrderedDict as a constructor does not
// allow "OrderedDict.fromkeys" or anything else reached through it. The last
// component may end in "*": a bare "*" matches any single public name (not
// starting with "_") of exactly that module, and "pre*" matches any single
// name starting with "pre". A wildcard never matches a dotted name, a dunder
// name, or a name (with or without leading underscores) that is the last
// component of a deny entry, an alias, or listed under wildcard_exclude, so
// "sklearn.pipeline.os", "torch.nn.modules.linear.torch" or a re-exported
// "partial" is never admitted through a wildcard. Wildcards are a trade-off:
// they keep up with new classes in a reviewed module, and they admit
// whatever public name that module gains. testdata/discover_globals.py
// --audit lists the module objects and re-exports of denied callables behind
// each wildcard so that wildcard_exclude can be kept complete.
//
// Matching is exact and case-sensitive, as find_class is: CPython does not
// normalise module or attribute names when unpickling.
//
// # Policy files
//
// A policy file is YAML (or JSON, which YAML accepts) with these keys:
//
//	name: acme-models            # optional; shown in Version
//	version: "3"                 # optional
//	allow:                       # entries as above, as strings or as
//	  - acme.models.Net          #   {module: m, names: [a, b]} groups
//	  - module: acme.layers
//	    names: [Block, Head, "*"]
//	deny:
//	  - match: acme.tools.shell
//	    reason: process execution
//	    severity: critical       # optional
//	    except: [quote]          # optional
//	allow_unsafe:                # each entry names one exact import and why
//	  - match: functools.partial
//	    reason: reviewed by security, ticket SEC-12
//	severity:                    # per rule ID; "off" switches a rule off
//	  pickle-unlisted-global: medium
//	wildcard_exclude: [np, torch] # names no wildcard matches
//
// The severity of pickle-denied-global cannot be lowered below critical in a
// policy file; use allow_unsafe for the imports that must load.
//
// The built-in policy is builtin.yaml in this package, embedded and
// versioned; it documents every group of entries. `modelgate policy show`
// prints the effective policy with [Policy.WriteTo].
package policy

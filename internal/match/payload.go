package match

import (
	"slices"
	"text/template"
	tparse "text/template/parse"
)

// TemplateMayReadPayload reports whether t may read the callback's Payload:
// it names it (.Payload, .Raw.Payload, $.Payload), or it hands the whole
// data (. or $) to something that could look inside, such as
// {{printf "%v" .}} or {{range .}}. describe, given the whole data, does
// not read the payload. Erring towards yes only costs decoding it.
func TemplateMayReadPayload(t *template.Template) bool {
	for _, tt := range t.Templates() {
		if tt.Tree != nil && nodeMayReadPayload(tt.Tree.Root) {
			return true
		}
	}
	return false
}

func nodeMayReadPayload(n tparse.Node) bool {
	switch n := n.(type) {
	case nil:
		return false
	case *tparse.ListNode:
		if n == nil {
			return false
		}
		return slices.ContainsFunc(n.Nodes, nodeMayReadPayload)
	case *tparse.ActionNode:
		return pipeMayReadPayload(n.Pipe)
	case *tparse.IfNode:
		return branchMayReadPayload(&n.BranchNode)
	case *tparse.RangeNode:
		return branchMayReadPayload(&n.BranchNode)
	case *tparse.WithNode:
		return branchMayReadPayload(&n.BranchNode)
	case *tparse.TemplateNode:
		return pipeMayReadPayload(n.Pipe)
	case *tparse.TextNode, *tparse.CommentNode, *tparse.BreakNode, *tparse.ContinueNode:
		return false
	}
	return true // a node this check does not know: assume it may
}

func branchMayReadPayload(b *tparse.BranchNode) bool {
	return pipeMayReadPayload(b.Pipe) || nodeMayReadPayload(b.List) || b.ElseList != nil && nodeMayReadPayload(b.ElseList)
}

func pipeMayReadPayload(p *tparse.PipeNode) bool {
	if p == nil {
		return false
	}
	for _, cmd := range p.Cmds {
		describe := len(cmd.Args) == 2 && isIdentifier(cmd.Args[0], "describe")
		for i, arg := range cmd.Args {
			if describe && i == 1 && isWhole(arg) {
				continue
			}
			if argMayReadPayload(arg) {
				return true
			}
		}
	}
	return false
}

func isIdentifier(n tparse.Node, name string) bool {
	id, ok := n.(*tparse.IdentifierNode)
	return ok && id.Ident == name
}

// isWhole reports whether n is the whole data: . or $.
func isWhole(n tparse.Node) bool {
	switch n := n.(type) {
	case *tparse.DotNode:
		return true
	case *tparse.VariableNode:
		return len(n.Ident) == 1 && n.Ident[0] == "$"
	}
	return false
}

func argMayReadPayload(n tparse.Node) bool {
	switch n := n.(type) {
	case *tparse.DotNode:
		return true
	case *tparse.FieldNode:
		return slices.Contains(n.Ident, "Payload")
	case *tparse.VariableNode:
		// $ is the whole data; $.Payload names it; other variables hold
		// what a range or with took, already checked where they were set.
		return len(n.Ident) == 1 && n.Ident[0] == "$" || slices.Contains(n.Ident, "Payload")
	case *tparse.ChainNode:
		return slices.Contains(n.Field, "Payload") || argMayReadPayload(n.Node)
	case *tparse.PipeNode:
		return pipeMayReadPayload(n)
	case *tparse.IdentifierNode, *tparse.StringNode, *tparse.NumberNode, *tparse.BoolNode, *tparse.NilNode:
		return false
	}
	return true
}

// NamesRoom reports whether a key template names the room anywhere
// ({{.Room}}, {{.RoomKey}}, or a path through them): then the key is
// about one room. Any other key may gather events of every room of an app.
func NamesRoom(t *template.Template) bool {
	found := false
	var walk func(n tparse.Node)
	idents := func(ids []string) {
		for _, id := range ids {
			if id == "Room" || id == "RoomKey" || id == "RoomID" {
				found = true
			}
		}
	}
	walk = func(n tparse.Node) {
		if n == nil || found {
			return
		}
		switch n := n.(type) {
		case *tparse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *tparse.ActionNode:
			walk(n.Pipe)
		case *tparse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *tparse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *tparse.FieldNode:
			idents(n.Ident)
		case *tparse.VariableNode:
			idents(n.Ident)
		case *tparse.ChainNode:
			idents(n.Field)
			walk(n.Node)
		case *tparse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *tparse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *tparse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *tparse.TemplateNode:
			walk(n.Pipe)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	return found
}

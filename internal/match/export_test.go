package match

import (
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
)

// CodeFieldRow is a row of the code-field table, for the tests that prove
// what a row gives its field through rules and the engine.
type CodeFieldRow struct {
	Field catalog.Field
	Label string
	Name  string // its name in Facts, `when:` and templates
	Wire  func(ev callback.Event) int
	Of    func(e *Facts) *catalog.Code
}

// CodeFieldRows is the code-field table.
func CodeFieldRows() []CodeFieldRow {
	var rows []CodeFieldRow
	for _, cf := range codeFields {
		rows = append(rows, CodeFieldRow{cf.field, cf.label, codeFieldName(cf.field), cf.wire, cf.of})
	}
	return rows
}

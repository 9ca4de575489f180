package match

import (
	"reflect"
	"slices"
	"testing"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

// TestCodeFieldTableIsComplete: the table, the catalogue's fields and the
// Facts' code slots are the same list, so a field added to one and not the
// others fails here, naming what is missing.
func TestCodeFieldTableIsComplete(t *testing.T) {
	var rows []catalog.Field
	slots := map[uintptr]catalog.Field{}
	var facts Facts
	base := reflect.ValueOf(&facts).Pointer()
	for _, cf := range codeFields {
		rows = append(rows, cf.field)
		slots[reflect.ValueOf(cf.of(&facts)).Pointer()-base] = cf.field
	}
	fields := catalogtest.New(t).Fields()
	for _, f := range fields {
		if !slices.Contains(rows, f) {
			t.Errorf("catalogue field %s has no row in codeFields: callbacks would never be decoded for it", f)
		}
	}
	for _, f := range rows {
		if !slices.Contains(fields, f) {
			t.Errorf("codeFields row %s is no catalogue field: add it to catalog/data/fields.tsv", f)
		}
	}
	ft := reflect.TypeFor[Facts]()
	for i := range ft.NumField() {
		sf := ft.Field(i)
		if sf.Type != reflect.TypeFor[catalog.Code]() {
			continue
		}
		f, ok := slots[sf.Offset]
		switch {
		case !ok:
			t.Errorf("Facts.%s is no row's slot: add its row to codeFields", sf.Name)
		case codeFieldName(f) != sf.Name:
			t.Errorf("Facts.%s holds %s, whose name in rules is %s: name the slot after the field", sf.Name, f, codeFieldName(f))
		}
	}
	if len(slots) != len(rows) {
		t.Errorf("%d rows share %d Facts slots: each row needs its own", len(rows), len(slots))
	}
}

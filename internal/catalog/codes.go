package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Field names a callback field whose numeric codes the catalogue names.
type Field string

const (
	FieldGroup       Field = "group"
	FieldEvent       Field = "event"
	FieldReason      Field = "reason"       // scoped by event type (103 vs 104)
	FieldRole        Field = "role"         //
	FieldTerminal    Field = "terminal"     //
	FieldUserType    Field = "user_type"    //
	FieldStatus      Field = "status"       // Payload.Status of recording/ingest events, scoped by event type
	FieldLeaveCode   Field = "leave_code"   // recording 302 (and 305 when it sends LeaveCode), scoped by event type
	FieldRelayStatus Field = "relay_status" // 401 Payload.Status
	FieldRoomType    Field = "room_type"    // numeric or string room: 401 RoomType, 9xx RoomIdType, else how RoomId arrived
)

// Fields lists every field in the order listings show them: the order of
// data/fields.tsv, which is the list of fields. A new field is a row there
// (and its codes' rows in data/callbacks.tsv); the constants above only
// name the fields hook's code refers to.
func (c *Catalog) Fields() []Field { return slices.Clone(c.order) }

// Code is one named callback code.
type Code struct {
	Field Field  `json:"field"`
	Value int    `json:"value"` // the number on the wire
	Name  string `json:"name"`  // stable machine name, e.g. "room.exit"; "unknown" when not documented
	Const string `json:"const,omitempty"`
	Title string `json:"title"` // plain words; for unknown: "unknown event 999" etc.
	Known bool   `json:"known"`
}

// ScopedCode is a code together with the event type that scopes it (0 for fields that
// mean the same in every event), as listed by Entries(Callback).
type ScopedCode struct {
	EventType int `json:"event_type,omitempty"`
	Code
}

// Scoped is one wire value a name stands for, with the event type scoping it (0 when
// the field is not scoped).
type Scoped struct {
	EventType int `json:"event_type"`
	Value     int `json:"value"`
}

// Unknown is the Name of every code the documentation does not define.
const Unknown = "unknown"

type fieldInfo struct {
	prefix    string // namespace of the field's names, "" when it has none
	scoped    bool
	carriedBy []int
}

type codeKey struct {
	field     Field
	eventType int // 0 for unscoped fields
	value     int
}

type nameKey struct {
	field Field
	name  string
}

func (c *Catalog) loadCallbackCodes() error {
	const fieldsFile, codesFile = "data/fields.tsv", "data/callbacks.tsv"
	fieldRecords, err := readTSV(fieldsFile, "field", "prefix", "scoped", "carried_by")
	if err != nil {
		return err
	}
	c.fields = map[Field]fieldInfo{}
	c.carriedBy = map[int][]Field{}
	for _, r := range fieldRecords {
		f := Field(r.fields[0])
		if _, dup := c.fields[f]; dup || f == "" {
			return r.errorf(fieldsFile, "field %q listed twice", f)
		}
		c.order = append(c.order, f)
		info := fieldInfo{prefix: strings.TrimPrefix(r.fields[1], "-"), scoped: r.fields[2] == "yes"}
		if r.fields[3] != "-" {
			for _, s := range strings.Split(r.fields[3], ",") {
				et, err := strconv.Atoi(s)
				if err != nil {
					return r.errorf(fieldsFile, "carried_by: %w", err)
				}
				info.carriedBy = append(info.carriedBy, et)
				c.carriedBy[et] = append(c.carriedBy[et], f)
			}
		}
		c.fields[f] = info
	}

	records, err := readTSV(codesFile, "field", "event_type", "value", "name", "const", "title", "doc")
	if err != nil {
		return err
	}
	c.codes = map[codeKey]Code{}
	c.docs = map[codeKey]string{}
	c.values = map[nameKey][]Scoped{}
	c.names = map[Field][]string{}
	for _, r := range records {
		f := Field(r.fields[0])
		info, ok := c.fields[f]
		if !ok {
			return r.errorf(codesFile, "unknown field %q", f)
		}
		eventType, err := r.int(codesFile, 1)
		if err != nil {
			return err
		}
		value, err := r.int(codesFile, 2)
		if err != nil {
			return err
		}
		if info.scoped != (eventType != 0) {
			return r.errorf(codesFile, "field %s: event_type %d does not fit its scoping", f, eventType)
		}
		code := Code{Field: f, Value: value, Name: r.fields[3], Const: strings.TrimPrefix(r.fields[4], "-"), Title: r.fields[5], Known: true}
		if !strings.HasPrefix(code.Name, info.prefix) || code.Name == Unknown {
			return r.errorf(codesFile, "name %q lacks the field's prefix %q", code.Name, info.prefix)
		}
		key := codeKey{field: f, eventType: eventType, value: value}
		if _, dup := c.codes[key]; dup {
			return r.errorf(codesFile, "duplicate code %s %d %d", f, eventType, value)
		}
		doc := r.fields[6]
		if !strings.HasPrefix(doc, DocPrefix) {
			return r.errorf(codesFile, "doc %q is not a %s... address", doc, DocPrefix)
		}
		c.codes[key] = code
		c.docs[key] = doc
		c.callback = append(c.callback, ScopedCode{EventType: eventType, Code: code})
		nk := nameKey{field: f, name: code.Name}
		if len(c.values[nk]) == 0 {
			c.names[f] = append(c.names[f], code.Name)
		}
		c.values[nk] = append(c.values[nk], Scoped{EventType: eventType, Value: value})
	}
	for f, names := range c.names {
		slices.Sort(names)
		c.names[f] = names
	}
	// Every event type must belong to a documented group: listings and GroupOf rely on it.
	for key := range c.codes {
		if key.field == FieldEvent {
			if _, ok := c.codes[codeKey{field: FieldGroup, value: key.value / 100}]; !ok {
				return fmt.Errorf("%s: event %d has no group %d", codesFile, key.value, key.value/100)
			}
		}
	}
	return nil
}

// Code names value in field f. eventType scopes event-dependent fields (reason, status,
// leave_code) and is ignored for the others (pass 0). Never fails: unknown values give
// Known=false, Name "unknown". For FieldEvent, value is the event type (101..909);
// event types are unique across groups.
func (c *Catalog) Code(f Field, eventType, value int) Code {
	info, ok := c.fields[f]
	if ok && !info.scoped {
		eventType = 0
	}
	if code, ok := c.codes[codeKey{field: f, eventType: eventType, value: value}]; ok {
		return code
	}
	// Only unknown values reach here, so the formatted title costs nothing on the
	// documented path.
	title := "unknown " + strings.ReplaceAll(string(f), "_", " ") + " " + strconv.Itoa(value)
	if info.scoped {
		title += " for event " + strconv.Itoa(eventType)
	}
	return Code{Field: f, Value: value, Name: Unknown, Title: title}
}

// DocPrefix starts the address of every TRTC document the callback codes come from.
const DocPrefix = "https://trtc.io/document/"

// Doc is the address of the TRTC document that defines value in field f (scoped by
// eventType like Code), or "" when the catalogue does not know the value.
func (c *Catalog) Doc(f Field, eventType, value int) string {
	if info, ok := c.fields[f]; ok && !info.scoped {
		eventType = 0
	}
	return c.docs[codeKey{field: f, eventType: eventType, value: value}]
}

// GroupOf names the group of an event type. TRTC numbers event types group*100+n, so
// this answers for event types the catalogue does not know yet.
func (c *Catalog) GroupOf(eventType int) Code {
	return c.Code(FieldGroup, 0, eventType/100)
}

// Names lists every machine name valid for field f (deduplicated, sorted), for rule
// validation and "did you mean". The slice is the caller's to keep.
func (c *Catalog) Names(f Field) []string {
	return slices.Clone(c.names[f])
}

// Values returns the wire values that name stands for in field f, with the event types
// that scope them (e.g. FieldReason "reason.normal" -> [{103,1},{104,1}]); ok=false when
// name is unknown for f. Names are accepted with or without the field's namespace
// prefix ("timeout" == "reason.timeout").
func (c *Catalog) Values(f Field, name string) (vals []Scoped, ok bool) {
	vals, ok = c.values[nameKey{field: f, name: name}]
	if !ok {
		if prefix := c.fields[f].prefix; prefix != "" && !strings.HasPrefix(name, prefix) {
			vals, ok = c.values[nameKey{field: f, name: prefix + name}]
		}
	}
	return slices.Clone(vals), ok
}

// Prefix is the namespace field f's names start with ("reason." for FieldReason), or ""
// for groups and events, whose names carry no single prefix.
func (c *Catalog) Prefix(f Field) string { return c.fields[f].prefix }

// IsScoped reports whether field f's values mean different things per event type.
func (c *Catalog) IsScoped(f Field) bool { return c.fields[f].scoped }

// CodesFor lists the codes a callback of eventType may carry: the scoped codes
// documented for it (its reasons, statuses, leave codes) and every code of the unscoped
// fields its EventInfo carries (roles on 103, relay statuses on 401, ...).
func (c *Catalog) CodesFor(eventType int) []ScopedCode {
	var out []ScopedCode
	carried := c.carriedBy[eventType]
	for _, sc := range c.callback {
		if (sc.EventType != 0 && sc.EventType == eventType) || (sc.EventType == 0 && slices.Contains(carried, sc.Field)) {
			out = append(out, sc)
		}
	}
	return out
}

package store

import (
	"slices"
	"strconv"

	"github.com/hookdev/hook/internal/alert"
)

// appendOp appends o as json.Marshal encodes it, with the receivers rs,
// encoded, in place of o.R: encode builds them straight from the alert, not
// as strings first. o.N is never written: notifications travel beside ops.
// opjson_test.go holds it to encoding/json's output; a field added to op
// must be added here.
func appendOp(b []byte, o *op, rs []alert.Receiver) []byte {
	b = appendField(b, `{"op":`, o.Op)
	b = appendField(b, `,"rule":`, o.Rule)
	b = append(b, `,"k":`...)
	b = o.K.appendJSON(b)
	b = appendNumber(b, `,"window":`, o.Window)
	b = appendNumber(b, `,"ev":`, o.Ev)
	b = append(b, `,"r":[`...)
	// Each receiver's JSON is built here, then quoted into the op.
	var scratch [512]byte
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = alert.AppendJSONString(b, r.AppendJSON(scratch[:0]))
	}
	b = append(b, ']')
	if len(o.Labels) > 0 {
		b = appendLabels(append(b, `,"labels":`...), o.Labels)
	}
	b = appendField(b, `,"member":`, o.Member)
	if o.Count != 0 {
		b = appendNumber(b, `,"count":`, int64(o.Count))
	}
	if o.Within != 0 {
		b = appendNumber(b, `,"within":`, o.Within)
	}
	if o.Wait != 0 {
		b = appendNumber(b, `,"wait":`, o.Wait)
	}
	if g := o.Group; g != nil {
		b = appendField(b, `,"group":{"id":`, g.ID)
		b = appendNumber(b, `,"wait":`, g.Wait)
		b = appendNumber(b, `,"interval":`, g.Interval)
		b = appendNumber(b, `,"hold":`, g.Hold)
		b = append(b, '}')
	}
	b = appendOptField(b, `,"detail":`, o.Detail)
	if o.Share != 0 {
		b = appendNumber(b, `,"share":`, int64(o.Share))
	}
	if o.Present != 0 {
		b = appendNumber(b, `,"present":`, int64(o.Present))
	}
	b = appendOptField(b, `,"app":`, o.App)
	return append(b, '}')
}

func (k *opKeys) appendJSON(b []byte) []byte {
	// Every field is optional: each is written after a comma, and the first
	// comma becomes the opening brace.
	start := len(b)
	b = appendOptField(b, `,"dedup":`, k.Dedup)
	b = appendOptField(b, `,"win":`, k.Win)
	b = appendOptField(b, `,"pend":`, k.Pend)
	b = appendOptField(b, `,"clr":`, k.Clr)
	b = appendOptField(b, `,"grp":`, k.Grp)
	b = appendOptField(b, `,"grp_new":`, k.GrpNew)
	b = appendOptField(b, `,"grp_all":`, k.GrpAll)
	if len(k.Src) > 0 {
		b = append(b, `,"src":[`...)
		for i, m := range k.Src {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendField(b, `{"key":`, m.Key)
			b = appendNumber(b, `,"hold":`, m.Hold)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(k.Tgt) > 0 {
		b = append(b, `,"tgt":[`...)
		for i, t := range k.Tgt {
			if i > 0 {
				b = append(b, ',')
			}
			b = alert.AppendJSONString(b, t)
		}
		b = append(b, ']')
	}
	b = appendOptField(b, `,"mem":`, k.Mem)
	b = appendOptField(b, `,"drops":`, k.Drop)
	b = appendOptField(b, `,"arm":`, k.Arm)
	b = appendOptField(b, `,"pop":`, k.Pop)
	if len(b) == start {
		return append(b, "{}"...)
	}
	b[start] = '{'
	return append(b, '}')
}

// appendLabels writes the labels in the order encoding/json writes a map's
// keys: sorted bytewise.
func appendLabels(b []byte, labels map[string]string) []byte {
	var stack [16]string
	keys := stack[:0]
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(alert.AppendJSONString(b, k), ':')
		b = alert.AppendJSONString(b, labels[k])
	}
	return append(b, '}')
}

func appendField[S ~string](b []byte, key string, s S) []byte {
	return alert.AppendJSONString(append(b, key...), s)
}

func appendOptField(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendField(b, key, s)
}

func appendNumber(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(b, key...), v, 10)
}

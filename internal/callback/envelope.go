package callback

// The three objects hook reads fields from, as raw values of a valid body whose
// keys are unique (ASCII case-insensitively). Keys are compared lower-cased:
// foldedName lowers ASCII letters only.

// envelope is the top-level object.
type envelope struct {
	group, typ   []byte // raw EventGroupId, EventType; nil when absent
	callbackTs   optInt
	callbackMsTs optInt
	info         []byte // raw EventInfo
}

func readEnvelope(obj []byte) envelope {
	var env envelope
	var buf [maxFieldName]byte
	m := objectMembers(obj)
	for key, v, ok := m.next(); ok; key, v, ok = m.next() {
		switch string(foldedName(&buf, key)) {
		case "eventgroupid":
			env.group = v
		case "eventtype":
			env.typ = v
		case "callbackts":
			env.callbackTs = readInt(v)
		case "callbackmsts":
			env.callbackMsTs = readInt(v)
		case "eventinfo":
			env.info = v
		}
	}
	return env
}

// roomID is RoomId with how it arrived.
type roomID struct {
	text    string
	kind    int  // RoomNumeric for a JSON number, RoomString for a string
	present bool // RoomId was a number or a string
}

func readRoomID(raw []byte) roomID {
	switch {
	case len(raw) > 0 && raw[0] == '"':
		s, _ := readString(raw)
		return roomID{text: s, kind: RoomString, present: true}
	case isNumber(raw):
		return roomID{text: string(raw), kind: RoomNumeric, present: true}
	}
	return roomID{}
}

// eventInfo is EventInfo: the event's details, keyed the same in every group
// except screenshots (lower camel case, which ASCII case folding covers).
type eventInfo struct {
	room         roomID
	roomTypeRaw  optInt // RoomType (relay) or RoomIdType (AI)
	eventTs      optInt
	eventMsTs    optInt
	eventTsMs    optInt
	userID       string
	uniqueID     optInt
	role         optInt
	terminalType optInt
	userType     optInt
	reason       optInt
	taskID       string
	status       optInt
	leaveCode    optInt
	eventMessage string // web page recording's text, when not in Payload
	payloadRaw   []byte
	payload      payload
}

func readEventInfo(obj []byte) eventInfo {
	var info eventInfo
	var buf [maxFieldName]byte
	m := objectMembers(obj)
	for key, v, ok := m.next(); ok; key, v, ok = m.next() {
		switch string(foldedName(&buf, key)) {
		case "roomid":
			info.room = readRoomID(v)
		case "roomtype", "roomidtype":
			info.roomTypeRaw = readInt(v)
		case "eventts":
			info.eventTs = readInt(v)
		case "eventmsts":
			info.eventMsTs = readInt(v)
		case "eventtsms":
			info.eventTsMs = readInt(v)
		case "userid":
			info.userID = readText(v)
		case "uniqueid":
			info.uniqueID = readInt(v)
		case "role":
			info.role = readInt(v)
		case "terminaltype":
			info.terminalType = readInt(v)
		case "usertype":
			info.userType = readInt(v)
		case "reason":
			info.reason = readInt(v)
		case "taskid":
			info.taskID = readText(v)
		case "status":
			info.status = readInt(v)
		case "leavecode":
			info.leaveCode = readInt(v)
		case "eventmessage":
			info.eventMessage = readText(v)
		case "payload":
			info.payloadRaw = v
			if isObject(v) {
				info.payload = readPayload(v)
			}
		}
	}
	return info
}

// roomType is the room's kind: what the callback says outright, else how RoomId
// arrived (see Event.RoomType).
func (info *eventInfo) roomType() int {
	switch t := info.roomTypeRaw; {
	case !info.room.present:
		return Absent
	case t.ok && (t.v == RoomNumeric || t.v == RoomString):
		return int(t.v)
	}
	return info.room.kind
}

// payload is EventInfo.Payload, whose fields depend on the event type.
type payload struct {
	status       optInt
	statusText   string
	leaveCode    optInt
	code         string
	errorCode    string
	message      string
	errorMsg     string
	errmsg       string
	url          string
	eventMessage string
	userID       string
	text         string
	roundID      string
	metric       string
	metricValue  float64
	tagRoundID   string
	tagCode      string
	tagMessage   string
}

func readPayload(obj []byte) payload {
	var p payload
	var buf [maxFieldName]byte
	m := objectMembers(obj)
	for key, v, ok := m.next(); ok; key, v, ok = m.next() {
		switch string(foldedName(&buf, key)) {
		case "status":
			p.status = readInt(v)
			if !p.status.ok {
				p.statusText, _ = readString(v)
			}
		case "leavecode":
			p.leaveCode = readInt(v)
		case "code":
			p.code = readText(v)
		case "errorcode":
			p.errorCode = readText(v)
		case "message":
			p.message = readText(v)
		case "errormsg":
			p.errorMsg = readText(v)
		case "errmsg":
			p.errmsg = readText(v)
		case "url":
			p.url = readText(v)
		case "eventmessage":
			p.eventMessage = readText(v)
		case "userid":
			p.userID = readText(v)
		case "text":
			p.text = readText(v)
		case "roundid":
			p.roundID = readText(v)
		case "metric":
			p.metric = readText(v)
		case "value":
			p.metricValue, _ = readFloat(v)
		case "tag":
			if isObject(v) {
				p.readTag(v)
			}
		}
	}
	return p
}

// readTag reads Payload.Tag of the AI metric events: the round, and for an error
// metric TRTC's code and message.
func (p *payload) readTag(obj []byte) {
	var buf [maxFieldName]byte
	m := objectMembers(obj)
	for key, v, ok := m.next(); ok; key, v, ok = m.next() {
		switch string(foldedName(&buf, key)) {
		case "roundid":
			p.tagRoundID = readText(v)
		case "code":
			p.tagCode = readText(v)
		case "message":
			p.tagMessage = readText(v)
		}
	}
}

package backtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hookdev/hook/internal/record"
)

// busyApp makes the traffic of a busy live-streaming app, as TRTC would
// send it, without keeping it: rooms of anchors and viewers who come and
// go, mobile viewers timing out (most come back), their audio and video,
// rooms ending and new ones opening, cloud recordings (now and then an
// upload fails) and relays to CDN (now and then flapping), and, every few
// hours, a room's outage. rate callbacks a second: 10 M a day is 116.
type busyApp struct {
	seed  uint64
	n     int
	start time.Time
	rate  float64
	rooms int
}

// A room of the busy app.
type busyRoom struct {
	id      int
	present []string // who is in it; the first two are its anchors
	gone    []string // who timed out lately (they come back)
	next    int      // the next user number
	task    int      // its recording and relay task number
}

func (b busyApp) source() Source {
	return func(ctx context.Context, fn func(record.Entry) error) error {
		rng := rand.New(rand.NewPCG(b.seed, 7))
		rooms := make([]*busyRoom, b.rooms)
		nextRoom := 100000
		open := func(i int) {
			rooms[i] = &busyRoom{id: nextRoom, task: nextRoom}
			nextRoom++
		}
		for i := range rooms {
			open(i)
		}
		step := time.Duration(float64(time.Second) / b.rate)
		var late []record.Entry // TRTC's retries: the same body, arriving later
		var body []byte
		emit := func(at time.Time, typ int, room *busyRoom, info string) error {
			ms := at.UnixMilli()
			body = fmt.Appendf(body[:0], `{"EventGroupId":%d,"EventType":%d,"CallbackTs":%d,"EventInfo":{"RoomId":%d,"EventTs":%d,"EventMsTs":%d,%s}}`,
				typ/100, typ, ms, room.id, ms/1000, ms, info)
			arrive := at.Add(time.Duration(20+rng.IntN(300)) * time.Millisecond)
			e := record.Entry{At: arrive, App: "1400000001", Body: append([]byte(nil), body...)}
			if rng.IntN(200) == 0 { // lost once, delivered again by TRTC's retry
				e.At = arrive.Add(10 * time.Second)
				late = append(late, e)
				return nil
			}
			for len(late) > 0 && !late[0].At.After(arrive) {
				if err := fn(late[0]); err != nil {
					return err
				}
				late = late[1:]
			}
			return fn(e)
		}
		user := func(r *busyRoom) string {
			r.next++
			return fmt.Sprintf("user_%d_%d", r.id, r.next)
		}
		enter := func(at time.Time, r *busyRoom, u string, role int) error {
			r.present = append(r.present, u)
			return emit(at, 103, r, fmt.Sprintf(`"UserId":%q,"UniqueId":%d,"Role":%d,"TerminalType":%d,"UserType":3,"Reason":1`,
				u, rng.Int64N(1<<40), role, 1+rng.IntN(3)))
		}
		exit := func(at time.Time, r *busyRoom, k, reason int) error {
			u := r.present[k]
			role := 21
			if k < 2 {
				role = 20
			}
			r.present = append(r.present[:k], r.present[k+1:]...)
			if reason == 2 {
				r.gone = append(r.gone, u)
			}
			return emit(at, 104, r, fmt.Sprintf(`"UserId":%q,"UniqueId":%d,"Role":%d,"Reason":%d`, u, rng.Int64N(1<<40), role, reason))
		}
		at := b.start
		outageEvery := int(3 * 3600 * b.rate) // a room's outage every three hours
		for i := 0; i < b.n; i++ {
			at = at.Add(step)
			if err := ctx.Err(); err != nil {
				return err
			}
			r := rooms[rng.IntN(len(rooms))]
			var err error
			switch x := rng.IntN(1000); {
			case i > 0 && i%outageEvery == 0 && len(r.present) > 10:
				// Most of the room drops within seconds; most come back.
				for k := len(r.present) - 1; k >= 2 && err == nil; k -= 1 + rng.IntN(2) {
					err = exit(at.Add(time.Duration(k)*100*time.Millisecond), r, k, 2)
				}
			case len(r.present) < 2:
				err = enter(at, r, user(r), 20)
			case x < 430 && len(r.present) < 200:
				if len(r.gone) > 0 && rng.IntN(3) > 0 { // a viewer who timed out comes back
					u := r.gone[0]
					r.gone = r.gone[1:]
					err = enter(at, r, u, 21)
				} else {
					err = enter(at, r, user(r), 21)
				}
			case x < 830:
				reason := 1
				if rng.IntN(100) < 12 {
					reason = 2 // mobile viewers time out all the time
				}
				k := 2 + rng.IntN(len(r.present)-2+1)
				if k >= len(r.present) {
					k = len(r.present) - 1
				}
				if k < 2 && rng.IntN(20) > 0 {
					k = len(r.present) - 1 // anchors rarely leave
				}
				err = exit(at, r, k, reason)
			case x < 960:
				u := r.present[rng.IntN(len(r.present))]
				typ := 201 + rng.IntN(4) // audio and video, started and stopped
				err = emit(at, typ, r, fmt.Sprintf(`"UserId":%q`, u))
			case x < 975:
				ev, status := 301, 0
				switch y := rng.IntN(100); {
				case y < 2:
					ev = 308
				case y < 40:
					ev = 303
				}
				err = emit(at, ev, r, fmt.Sprintf(`"UserId":"recorder_%d","TaskId":"rec-%d","Payload":{"Status":%d}`, r.task, r.task, status))
			case x < 995:
				status := 2 // running
				if rng.IntN(100) < 5 {
					status = 3 // recovering
				}
				err = emit(at, 401, r, fmt.Sprintf(`"TaskId":"relay-%d","Payload":{"Status":%d,"Url":"rtmp://push.example.com/live/%d"}`, r.task, status, r.task))
			default:
				// The room ends: everyone leaves, TRTC dismisses it, another opens.
				for len(r.present) > 0 && err == nil {
					err = exit(at, r, len(r.present)-1, 1)
				}
				if err == nil {
					err = emit(at, 102, r, `"UserId":""`)
				}
				for k := range rooms {
					if rooms[k] == r {
						open(k)
						err = emit(at, 101, rooms[k], fmt.Sprintf(`"UserId":"host_%d"`, rooms[k].id))
					}
				}
			}
			if err != nil {
				return err
			}
		}
		for _, e := range late {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	}
}

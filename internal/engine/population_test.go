package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback/callbacktest"
)

// fakeApps is an AppPopulation with fixed counts; it counts lookups.
type fakeApps struct {
	present map[string]int
	asked   int
}

func (f *fakeApps) AppPresent(app string) int {
	f.asked++
	return f.present[app]
}

// recordingStore keeps the alerts it was handed, and how its timers were
// ticked; it implements AppTicker.
type recordingStore struct {
	fakeStore
	alerts  []alert.Alert
	present func(string) int
	plain   int
}

func (s *recordingStore) Fire(ctx context.Context, now time.Time, as []alert.Alert) ([]alert.Verdict, error) {
	s.alerts = append(s.alerts, as...)
	return s.fakeStore.Fire(ctx, now, as)
}

func (s *recordingStore) Tick(context.Context, time.Time, int) ([]alert.TickOutcome, error) {
	s.plain++
	return nil, nil
}

func (s *recordingStore) TickApps(_ context.Context, _ time.Time, _ int, present func(string) int) ([]alert.TickOutcome, error) {
	s.present = present
	return nil, nil
}

const populationRules = `
rules:
  - name: app-outage
    match: {event: room.exit}
    threshold: {count: 3, share: 30%, of: app, within: 1m, per: "{{.App}}"}
    continue: true
  - name: room-outage
    match: {event: room.exit}
    threshold: {count: 3, share: 30%, within: 1m}
`

// The engine hands an app-relative threshold the app's present users, and
// the store's timers a way to ask again; rules relative to their room, or
// to nothing, cost no lookup.
func TestAppPopulation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		apps    *fakeApps
		present int // handed with the app-wide alert
		asked   int
	}{
		{"known", &fakeApps{present: map[string]int{"1400000001": 42}}, 42, 1},
		{"unknown app", &fakeApps{present: map[string]int{}}, 0, 1},
		{"no population", nil, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &recordingStore{}
			e := testEngine(t, populationRules, st)
			if tc.apps != nil {
				e.WithAppPopulation(tc.apps)
			}
			if _, err := e.Handle(context.Background(), callbacktest.Exit(2)); err != nil {
				t.Fatal(err)
			}
			if len(st.alerts) != 2 || st.alerts[0].Present != tc.present || st.alerts[1].Present != 0 {
				t.Fatalf("alerts %+v: want the app's present users %d on the first only", st.alerts, tc.present)
			}
			if tc.apps != nil && tc.apps.asked != tc.asked {
				t.Errorf("asked %d times, want %d", tc.apps.asked, tc.asked)
			}
			if _, err := e.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.apps == nil && (st.plain != 1 || st.present != nil):
				t.Errorf("without a population: Tick %d times, TickApps with a population %v", st.plain, st.present != nil)
			case tc.apps != nil && (st.plain != 0 || st.present == nil || st.present("1400000001") != tc.present):
				t.Errorf("with a population: Tick %d times, TickApps without it", st.plain)
			}
		})
	}
}

// A Store that cannot take the apps' population is ticked as before.
func TestTickWithoutAppTicker(t *testing.T) {
	e := testEngine(t, populationRules, &fakeStore{}).WithAppPopulation(&fakeApps{})
	if _, err := e.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

package cardreader_test

import (
	"context"
	"testing"
	"time"

	"enrolldesk/app/cardreader"
	"enrolldesk/core"
)

func TestSimReadsAPlacedCardOnce(t *testing.T) {
	id := core.MustResidentID("11010519491231002X")
	s := cardreader.NewSim([]core.Persona{{Key: "consistent", GuardianID: id}})
	if got := s.Personas(); len(got) != 1 || got[0].Key != "consistent" {
		t.Fatalf("personas = %+v", got)
	}
	done := make(chan core.ResidentID)
	go func() {
		got, err := s.Read(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	s.Place(id)
	if got := <-done; got != id {
		t.Fatalf("read %v, want %v", got, id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Read(ctx); !core.IsInvalid(err) || core.ErrorMessage(err) == "" {
		t.Errorf("a second read with no card must time out with advice, got %v", err)
	}
}

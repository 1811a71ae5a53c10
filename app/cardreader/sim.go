// Package cardreader holds the kiosk's ID-card readers. Sim is the demo
// reader: a visitor "places" a persona's card from the screen, and Read
// returns it as a real reader would return the card on its pad.
package cardreader

import (
	"context"
	"slices"
	"sync"

	"enrolldesk/core"
)

// Sim is a simulated ID-card reader for demo mode.
type Sim struct {
	personas []core.Persona
	mu       sync.Mutex
	placed   core.ResidentID
	ready    chan struct{} // closed when a card is placed
}

// NewSim returns a reader that offers the given personas' cards.
func NewSim(personas []core.Persona) *Sim {
	return &Sim{personas: slices.Clone(personas), ready: make(chan struct{})}
}

// Personas lists the demo cards the screen may offer.
func (s *Sim) Personas() []core.Persona { return slices.Clone(s.personas) }

// Place puts a card on the reader; the next Read returns it.
func (s *Sim) Place(id core.ResidentID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.placed = id
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
}

// Read waits for a card and takes it off the reader, so a card is read
// once; ctx ends the wait.
func (s *Sim) Read(ctx context.Context) (core.ResidentID, error) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return "", cardError(ECardNone)
	case <-ready:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.placed
	s.placed, s.ready = "", make(chan struct{})
	return id, nil
}

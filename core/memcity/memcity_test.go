package memcity_test

import (
	"testing"

	"enrolldesk/core"
	"enrolldesk/core/memcity"
	"enrolldesk/core/sourcetest"
)

func TestContract(t *testing.T) {
	sourcetest.Run(t, func(*testing.T) (core.City, core.CityWriter) {
		c := memcity.New()
		return c, c
	})
}

package app_test

import (
	"os"
	"testing"
)

var tempDirs []string

func mkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "enrolldesk-app-test-")
	if err == nil {
		tempDirs = append(tempDirs, d)
	}
	return d, err
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(crowdEnv); cfg != "" {
		os.Exit(crowdMain(cfg)) // a load generator of the crowd (crowd_test.go)
	}
	if apps := os.Getenv(submitterEnv); apps != "" {
		os.Exit(submitterMain(apps)) // a child process of the damage tests
	}
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

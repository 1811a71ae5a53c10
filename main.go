// Command enrolldesk is the school-enrollment kiosk, staff desktop and
// central engine in one binary; see README.md.
package main

import (
	"os"

	"enrolldesk/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

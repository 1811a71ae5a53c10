// Command enrolldesk is the school-enrollment kiosk, staff desktop and
// central engine in one binary; see README.md.
package main

import (
	"os"

	"enrolldesk/app"
	_ "enrolldesk/internal/deflocale" // before Fyne reads the locale
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

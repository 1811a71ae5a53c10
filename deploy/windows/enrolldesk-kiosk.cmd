@echo off
rem EnrollDesk kiosk shell for Windows: set as the kiosk user's shell
rem (docs/kiosk-setup.md). It starts the kiosk full screen and starts it
rem again two seconds after it exits or crashes. Logs go to kiosk.log in
rem the data directory.
setlocal
set LANG=zh_CN.UTF-8
if "%ENROLLDESK_DATA%"=="" set ENROLLDESK_DATA=C:\ProgramData\EnrollDesk
if not exist "%ENROLLDESK_DATA%" mkdir "%ENROLLDESK_DATA%"
:again
"C:\Program Files\EnrollDesk\enrolldesk.exe" kiosk --data "%ENROLLDESK_DATA%" >> "%ENROLLDESK_DATA%\kiosk.log" 2>&1
echo %DATE% %TIME% enrolldesk exited with %ERRORLEVEL%; restarting >> "%ENROLLDESK_DATA%\kiosk.log"
timeout /t 2 /nobreak > nul
goto again

@echo off
rem The installed app's command line: "autocall task list" runs "AutoCall Scheduler.exe --cli task list" (README, "The command line").
"%~dp0..\AutoCall Scheduler.exe" --cli %*

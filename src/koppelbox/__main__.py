from koppelbox.cli import main

main()

from keydates.cli import main

main()

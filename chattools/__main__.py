from chattools.cli import main

main()

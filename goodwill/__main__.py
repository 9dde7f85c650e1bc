from goodwill.cli import main

main()

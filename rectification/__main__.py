import sys

# doctor before the CLI's imports: it has to run, and say what is wrong, when a dependency is missing or broken.
if sys.argv[1:2] == ["doctor"]:
    from rectification.cli.doctor import main

    sys.exit(main(sys.argv[2:]))

from rectification.cli import main

sys.exit(main())

import sys

from rectification.cli import main

sys.exit(main())

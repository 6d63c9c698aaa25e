import sys

from sohoa.cli import main

sys.exit(main())

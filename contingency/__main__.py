from contingency.cli import main

raise SystemExit(main())

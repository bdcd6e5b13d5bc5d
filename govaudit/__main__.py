from govaudit.cli import main

raise SystemExit(main())

from crm.cli import main

raise SystemExit(main())

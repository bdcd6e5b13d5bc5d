from govaudit.cli import run

run()

from govaudit.entry import run

run()

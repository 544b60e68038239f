from specify.cli.main import run

run()

"""What `bench_keys.py` is made of: the logs and writers (`logs`), the tmux terminal (`term`), key to
screen (`keys`), the in-process frame costs (`frames`) and the CPU while a log grows (`cpu`)."""

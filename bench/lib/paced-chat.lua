-- wrk script: the peer harness's post-chat.lua (env POST_CHAT_LUA: the same POST of a chat completion)
-- paced by paced.lua (env PACED_LUA: RATE requests/s over CONNS_N connections). wrk takes one script.
dofile(os.getenv("POST_CHAT_LUA"))
dofile(os.getenv("PACED_LUA"))

:put [find name=x
:put abc]
:put (1 2)
=x
set 0 !
:put $(date)

"""Channel adapters: each speaks one peer's published protocol and hands what it
receives to the one intake path (``hotline.tickets.intake.take_in``).

One module per peer (``wechat``; 110 and SMS to come), with a thin view each.
"""

"""Pure builders of the Step Functions definitions (Amazon States Language), no Pulumi.

One module per pattern (``polling``, ``callback``, ``callback_url``) and the helpers they share:
``errors`` (the error names AWS reports, the one retry policy, the catches) and ``token_wait``
(the ``lambda:invoke.waitForTaskToken`` task of the callback patterns). Plain data in, a dict
out: the components serialise it, the tests lint it and run it in the local cloud.
"""

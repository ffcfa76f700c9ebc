# Words of the error summary and the code timer, which registration, recovery and the account
# share with the sign-in pages: the same ids, arguments and words as the sign-in pages' own
# (locales/*/second-step.ftl on their branch). Once both are merged, this file goes (and its
# line in MESSAGE_FILES): theirs says them.

error-summary-title = There is a problem
error-summary-go-to-field = Go to the field to correct
code-timer-prefix = It expires in
code-timer-expires-in = It expires in { $time }.
code-timer-announce-prefix = Your code expires in
countdown-one-second = 1 second
countdown-seconds = seconds
countdown-minutes = minutes

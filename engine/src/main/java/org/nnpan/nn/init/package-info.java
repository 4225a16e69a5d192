/**
 * Seeded, reproducible initialisation: distribution fills ({@link org.nnpan.nn.init.Initializers}) and whole-model
 * schemes ({@link org.nnpan.nn.init.InitScheme}).
 */
package org.nnpan.nn.init;
